package dialer

import "testing"

func TestFormatAsYouType(t *testing.T) {
	tests := []struct {
		name, number, region, want string
	}{
		{name: "empty", number: "", region: "AU", want: ""},
		{name: "AU mobile, 2 digits", number: "04", region: "AU", want: "04"},
		{name: "AU mobile, partial", number: "0412345", region: "AU", want: "0412 345"},
		{name: "AU mobile, complete", number: "0412345678", region: "AU", want: "0412 345 678"},
		{name: "AU landline", number: "0298765432", region: "AU", want: "(02) 9876 5432"},
		{name: "AU landline, partial", number: "0298", region: "AU", want: "(02) 98"},
		{name: "AU mobile without the 0", number: "412345678", region: "AU", want: "412345678"},
		{name: "international, country code only", number: "+61", region: "AU", want: "+61"},
		{name: "international, partial", number: "+61412", region: "US", want: "+61 412"},
		{name: "international, complete", number: "+61412345678", region: "US", want: "+61 412 345 678"},
		{name: "international, unknown code", number: "+999123", region: "US", want: "+999123"},
		{name: "international prefix", number: "011442079460018", region: "US", want: "011 44 20 7946 0018"},
		{name: "US local", number: "555012", region: "US", want: "555-012"},
		{name: "US full", number: "2015550123", region: "US", want: "(201) 555-0123"},
		{name: "US with 1", number: "12015550123", region: "US", want: "1 201-555-0123"},
		{name: "GB London", number: "02079460018", region: "GB", want: "020 7946 0018"},
		{name: "FR mobile", number: "0612345678", region: "FR", want: "06 12 34 56 78"},
		{name: "region in lower case", number: "0612345678", region: "fr", want: "06 12 34 56 78"},
		{name: "unknown region", number: "0612345678", region: "ZZ", want: "0612345678"},
		{name: "service code", number: "*31#0412", region: "AU", want: "*31#0412"},
		{name: "too long for any format", number: "0412345678901", region: "AU", want: "0412345678901"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatAsYouType(tt.number, tt.region); got != tt.want {
				t.Errorf("FormatAsYouType(%q, %q) = %q, want %q", tt.number, tt.region, got, tt.want)
			}
		})
	}
}

// TestFormatAsYouTypeKeepsDigits checks, for every prefix of some numbers, that formatting only adds
// punctuation: the digits shown are the digits typed.
func TestFormatAsYouTypeKeepsDigits(t *testing.T) {
	numbers := map[string]string{"0412345678": "AU", "+442079460018": "DE", "12015550123": "US", "+80012345678": "AU"}
	for number, region := range numbers {
		for i := 1; i <= len(number); i++ {
			typed := number[:i]
			got := FormatAsYouType(typed, region)
			if digits := keepDialable(got); digits != typed {
				t.Errorf("FormatAsYouType(%q, %q) = %q, which holds %q", typed, region, got, digits)
			}
		}
	}
}

func keepDialable(s string) string {
	var in Input
	for _, r := range s {
		if r >= '0' && r <= '9' || r == '+' {
			_ = in.Press(r) // only accepted characters reach here
		}
	}
	return in.String()
}
