package dialer

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Errors wrapped by the *NumberError that Validate returns; the UI branches on them with errors.Is. They are
// causes, never returned alone: like strconv.ErrRange inside a *strconv.NumError, they read without the
// "dialer: " that the *NumberError around them starts with, so that the message says it once.
var (
	// ErrEmpty means no number was entered.
	ErrEmpty = errors.New("no number was entered")
	// ErrTooShort means the number has too few digits, for example a local number without its area code.
	ErrTooShort = errors.New("the number is too short")
	// ErrTooLong means the number has more digits than any number in its country.
	ErrTooLong = errors.New("the number is too long")
	// ErrCountryCode means the country calling code after "+" is unknown, or the number has no "+" and no
	// usable default region was given.
	ErrCountryCode = errors.New("the country code is not known")
	// ErrInvalidForRegion means the number has a plausible length but is not a valid number in its country
	// (the default region, or the country of its "+" calling code).
	ErrInvalidForRegion = errors.New("the number is not valid for the region")
	// ErrServiceCode means the number contains "*" or "#", which only service codes use; those cannot be
	// called as phone numbers.
	ErrServiceCode = errors.New("service codes with * or # cannot be dialled")
)

// NumberError reports why a number cannot be dialled. Err is one of ErrEmpty, ErrTooShort, ErrTooLong,
// ErrCountryCode, ErrInvalidForRegion and ErrServiceCode.
type NumberError struct {
	Input  string // the number as given to Validate
	Region string // the default region Validate used
	Err    error  // one of the sentinel errors above
}

// Error implements error.
func (e *NumberError) Error() string {
	return fmt.Sprintf("dialer: cannot dial %q (region %s): %v", e.Input, e.Region, e.Err)
}

// Unwrap returns Err.
func (e *NumberError) Unwrap() error { return e.Err }

// Number is a validated phone number with the formats it is shown and dialled in.
type Number struct {
	E164          string // dialled form, for example "+61412345678"
	International string // for display abroad, for example "+61 412 345 678"
	National      string // for display at home, for example "0412 345 678"
	Region        string // CLDR region the number belongs to, for example "AU"; "001" for non-geographic numbers
}

// String returns the E.164 form.
func (n Number) String() string { return n.E164 }

// Display returns the national format when the number belongs to home (the agent's region) and the international
// format otherwise.
func (n Number) Display(home string) string {
	if strings.EqualFold(n.Region, home) {
		return n.National
	}
	return n.International
}

// Validate parses number, as typed or as held by an Input, and checks that it is a valid phone number. A number
// without a leading "+" is read as a number of region, a CLDR region code such as "AU" or "US" (see
// RegionFromLocale). On failure it returns a *NumberError that wraps one of the sentinel errors above.
func Validate(number, region string) (Number, error) {
	region = strings.ToUpper(strings.TrimSpace(region))
	fail := func(err error) (Number, error) {
		return Number{}, &NumberError{Input: number, Region: region, Err: err}
	}
	trimmed := strings.TrimSpace(number)
	switch {
	case trimmed == "":
		return fail(ErrEmpty)
	case strings.ContainsAny(trimmed, "*#"):
		return fail(ErrServiceCode)
	}
	pn, err := phonenumbers.Parse(trimmed, region)
	if err != nil {
		return fail(parseError(err))
	}
	if err := checkNumber(pn); err != nil {
		return fail(err)
	}
	return newNumber(pn), nil
}

// parseError maps the errors of phonenumbers.Parse to ours. For input that holds only dialable characters,
// ErrNotANumber means there are too few digits to read ("+6", "1").
func parseError(err error) error {
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return ErrCountryCode
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return ErrTooLong
	}
	return ErrTooShort
}

func checkNumber(pn *phonenumbers.PhoneNumber) error {
	switch phonenumbers.IsPossibleNumberWithReason(pn) {
	case phonenumbers.INVALID_COUNTRY_CODE:
		return ErrCountryCode
	case phonenumbers.TOO_SHORT, phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return ErrTooShort
	case phonenumbers.TOO_LONG:
		return ErrTooLong
	}
	if !phonenumbers.IsValidNumber(pn) {
		return ErrInvalidForRegion
	}
	return nil
}

func newNumber(pn *phonenumbers.PhoneNumber) Number {
	return Number{
		E164:          phonenumbers.Format(pn, phonenumbers.E164),
		International: phonenumbers.Format(pn, phonenumbers.INTERNATIONAL),
		National:      phonenumbers.Format(pn, phonenumbers.NATIONAL),
		Region:        phonenumbers.GetRegionCodeForNumber(pn),
	}
}

// DefaultRegion is the region RegionFromLocale falls back to.
const DefaultRegion = "US"

// RegionFromLocale returns the region of a locale name such as "en_AU.UTF-8", "de-DE", "fr_FR@euro" or "en-AU"
// (as in $LANG or Fyne's lang.SystemLocale()), for use as Validate's default region. It returns DefaultRegion
// when the name has no region or phone numbers of that region are not known, as for "C", "POSIX" or "en".
func RegionFromLocale(lang string) string {
	name, _, _ := strings.Cut(lang, ".")
	name, _, _ = strings.Cut(name, "@")
	parts := strings.FieldsFunc(name, func(r rune) bool { return r == '_' || r == '-' })
	for _, p := range parts[min(1, len(parts)):] {
		region := strings.ToUpper(p)
		if knownRegion(region) {
			return region
		}
	}
	return DefaultRegion
}
