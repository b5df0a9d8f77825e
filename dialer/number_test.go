package dialer

import (
	"errors"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		number string
		region string
		want   Number
	}{
		{
			name: "Australian mobile", number: "0412345678", region: "AU",
			want: Number{E164: "+61412345678", International: "+61 412 345 678", National: "0412 345 678", Region: "AU"},
		},
		{
			name: "Sydney landline, formatted", number: "(02) 9876-5432", region: "AU",
			want: Number{E164: "+61298765432", International: "+61 2 9876 5432", National: "(02) 9876 5432", Region: "AU"},
		},
		{
			name: "international from another region", number: "+442079460018", region: "US",
			want: Number{E164: "+442079460018", International: "+44 20 7946 0018", National: "020 7946 0018", Region: "GB"},
		},
		{
			name: "US national", number: "2015550123", region: "us",
			want: Number{E164: "+12015550123", International: "+1 201-555-0123", National: "(201) 555-0123", Region: "US"},
		},
		{
			name: "international prefix", number: "0011 61 412 345 678", region: "AU",
			want: Number{E164: "+61412345678", International: "+61 412 345 678", National: "0412 345 678", Region: "AU"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Validate(tt.number, tt.region)
			if err != nil {
				t.Fatalf("Validate(%q, %q): %v", tt.number, tt.region, err)
			}
			if got != tt.want {
				t.Errorf("Validate(%q, %q)\n got %+v\nwant %+v", tt.number, tt.region, got, tt.want)
			}
		})
	}
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name   string
		number string
		region string
		want   error
	}{
		{name: "empty", number: "  ", region: "AU", want: ErrEmpty},
		{name: "too short", number: "1234", region: "AU", want: ErrTooShort},
		{name: "only a plus and a digit", number: "+6", region: "AU", want: ErrTooShort},
		{name: "country code only", number: "+61", region: "AU", want: ErrTooShort},
		{name: "local number without area code", number: "2530000", region: "US", want: ErrTooShort},
		{name: "too long", number: "0412345678901234567", region: "AU", want: ErrTooLong},
		{name: "far too long", number: "12345678901234567890", region: "AU", want: ErrTooLong},
		{name: "invalid for region", number: "04123", region: "AU", want: ErrInvalidForRegion},
		{name: "unknown country code", number: "+999123456", region: "AU", want: ErrCountryCode},
		{name: "no region and no plus", number: "0412345678", region: "", want: ErrCountryCode},
		{name: "unknown region", number: "0412345678", region: "ZZ", want: ErrCountryCode},
		{name: "service code", number: "*31#0412345678", region: "AU", want: ErrServiceCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Validate(tt.number, tt.region)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Validate(%q, %q) error = %v, want %v", tt.number, tt.region, err, tt.want)
			}
			var numErr *NumberError
			if !errors.As(err, &numErr) || numErr.Input != tt.number {
				t.Errorf("Validate(%q, %q) error = %#v, want a *NumberError with the input", tt.number, tt.region, err)
			}
		})
	}
}

func TestNumberDisplay(t *testing.T) {
	n, err := Validate("+61412345678", "US")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ home, want string }{
		{home: "AU", want: "0412 345 678"},
		{home: "au", want: "0412 345 678"},
		{home: "US", want: "+61 412 345 678"},
		{home: "", want: "+61 412 345 678"},
	}
	for _, tt := range tests {
		if got := n.Display(tt.home); got != tt.want {
			t.Errorf("Display(%q) = %q, want %q", tt.home, got, tt.want)
		}
	}
	if got := n.String(); got != "+61412345678" {
		t.Errorf("String() = %q, want the E.164 form", got)
	}
}

func TestRegionFromLocale(t *testing.T) {
	tests := []struct{ lang, want string }{
		{lang: "en_AU.UTF-8", want: "AU"},
		{lang: "de_DE@euro", want: "DE"},
		{lang: "fr-FR", want: "FR"},
		{lang: "en-gb", want: "GB"},
		{lang: "zh-Hant-TW", want: "TW"},
		{lang: "pt_BR.ISO-8859-1", want: "BR"},
		{lang: "en", want: DefaultRegion},
		{lang: "C", want: DefaultRegion},
		{lang: "POSIX", want: DefaultRegion},
		{lang: "C.UTF-8", want: DefaultRegion},
		{lang: "", want: DefaultRegion},
		{lang: "en_ZZ.UTF-8", want: DefaultRegion},
		{lang: "AU", want: DefaultRegion},
	}
	for _, tt := range tests {
		if got := RegionFromLocale(tt.lang); got != tt.want {
			t.Errorf("RegionFromLocale(%q) = %q, want %q", tt.lang, got, tt.want)
		}
	}
}

// knownRegions must be exactly the regions phonenumbers supports.
func TestKnownRegions(t *testing.T) {
	supported := phonenumbers.GetSupportedRegions()
	for region := range supported {
		if !knownRegion(region) {
			t.Errorf("phonenumbers supports %s, but knownRegions lacks it", region)
		}
	}
	for _, region := range strings.Fields(knownRegions) {
		if !supported[region] {
			t.Errorf("knownRegions has %s, which phonenumbers does not support", region)
		}
	}
}
