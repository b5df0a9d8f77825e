package dialer

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// The Go port of libphonenumber has no AsYouTypeFormatter (phonenumbers v1.8.1 carries it only as a TODO), so
// FormatAsYouType follows the Java original in a smaller, stateless form: it picks the first number format of the
// region whose leading-digits pattern matches the digits so far, turns it into a template such as "(999) 999-9999"
// and fills in the digits typed. Unlike the original it does not remember a chosen format between key presses,
// and it does not handle national prefix transform rules (a few Latin American regions); numbers it cannot
// format are shown as typed.

// minFormatDigits is how many national digits are needed before a format is chosen, as in libphonenumber.
const minFormatDigits = 3

// nines is matched against a format's pattern to find the longest number it takes, as in libphonenumber.
const nines = "999999999999999"

// placeholder stands for a digit in a template; it is a private-use character that no format contains.
const placeholder = '\uE000'

// punctuation is libphonenumber's VALID_PUNCTUATION, as a regular expression character class body.
const punctuation = `-x\x{2010}-\x{2015}\x{2212}\x{30FC}\x{FF0D}-\x{FF0F} \x{00A0}\x{00AD}\x{200B}\x{2060}\x{3000}()` +
	`\x{FF08}\x{FF09}\x{FF3B}\x{FF3D}.\[\]/~\x{2053}\x{223C}\x{FF5E}`

var (
	// eligibleFormat matches formats made only of groups and punctuation, libphonenumber's ELIGIBLE_FORMAT_PATTERN.
	eligibleFormat = regexp.MustCompile(`^[` + punctuation + `]*\$1[` + punctuation + `]*(\$\d[` + punctuation + `]*)*$`)
	firstGroupOnly = regexp.MustCompile(`^\(?\$1\)?$`)
	charClass      = regexp.MustCompile(`\[([^\[\]])*\]`)
	groupRef       = regexp.MustCompile(`\$(\d)`)
	regexps        sync.Map // pattern string → *regexp.Regexp, or nil when the pattern does not compile
)

// FormatAsYouType formats a partly typed number, such as the String of an Input, for display while the agent
// is still typing: "0412345" becomes "0412 345" and "+1650253" becomes "+1 650-253" for region "AU". Numbers with
// "*" or "#", and digits that match no format of the region, are returned as typed.
func FormatAsYouType(number, region string) string {
	if number == "" || strings.ContainsAny(number, "*#") {
		return number
	}
	// A format may only add layout. Where the metadata would change digits
	// (a carrier-selection prefix such as Australia's 1831 replaced by the
	// national prefix 0), the number is shown as typed.
	if out := formatAsYouType(number, region); sameDialable(out, number) {
		return out
	}
	return number
}

// sameDialable reports whether a and b hold the same digits and "+".
func sameDialable(a, b string) bool {
	keep := func(r rune) rune {
		if r >= '0' && r <= '9' || r == '+' {
			return r
		}
		return -1
	}
	return strings.Map(keep, a) == strings.Map(keep, b)
}

func formatAsYouType(number, region string) string {
	if rest, ok := strings.CutPrefix(number, "+"); ok {
		return formatInternational("+", rest)
	}
	meta := regionMetadata(strings.ToUpper(region))
	if meta == nil {
		return number
	}
	if idd, rest, ok := cutIDD(meta, number); ok {
		return formatInternational(idd+" ", rest)
	}
	return formatNational(meta, number)
}

// formatInternational formats digits that follow "+" or an international prefix: a country calling code, then
// the national number.
func formatInternational(prefix, digits string) string {
	for n := 1; n <= 3 && n <= len(digits); n++ {
		code, err := strconv.Atoi(digits[:n])
		if err != nil {
			break
		}
		if meta := callingCodeMetadata(code); meta != nil {
			head := prefix + digits[:n]
			if n == len(digits) {
				return head
			}
			return head + " " + formatDigits(meta, digits[n:], "", true)
		}
	}
	return prefix + digits
}

// formatNational formats a number typed without "+", in the region of meta, with or without its national
// prefix ("0" in most countries, "1" in North America).
func formatNational(meta *phonenumbers.PhoneMetadata, digits string) string {
	ndd, national := cutNationalPrefix(meta, digits)
	return formatDigits(meta, national, ndd, false)
}

// formatDigits fills national digits into the first format of meta that fits them. ndd is the national prefix
// typed before them, if any.
func formatDigits(meta *phonenumbers.PhoneMetadata, national, ndd string, intl bool) string {
	raw := ndd + national
	if len(national) < minFormatDigits {
		return raw
	}
	// A North American "1" prefix is followed by the international layout: "1 650-253-0000".
	intl = intl || (ndd == "1" && meta.GetCountryCode() == 1)
	formats := meta.GetNumberFormat()
	if intl && len(meta.GetIntlNumberFormat()) > 0 {
		formats = meta.GetIntlNumberFormat()
	}
	for _, f := range formats {
		if !formatApplies(f, national, ndd, intl) {
			continue
		}
		if out, ok := fill(template(f, ndd), national); ok {
			if ndd != "" && !ruleHasPrefix(f) {
				return ndd + " " + out
			}
			return out
		}
	}
	return raw
}

// formatApplies reports whether format f may be used for the national digits typed, with or without the
// national prefix ndd, following libphonenumber's AsYouTypeFormatter.getAvailableFormats.
func formatApplies(f *phonenumbers.NumberFormat, national, ndd string, intl bool) bool {
	if !eligibleFormat.MatchString(f.GetFormat()) {
		return false
	}
	if !intl && !f.GetNationalPrefixOptionalWhenFormatting() {
		if ndd != "" && !ruleHasPrefix(f) && f.GetDomesticCarrierCodeFormattingRule() == "" {
			return false
		}
		if ndd == "" && ruleHasPrefix(f) {
			return false
		}
	}
	leading := f.GetLeadingDigitsPattern()
	if len(leading) == 0 {
		return true
	}
	re := compiled(`^(?:` + leading[min(len(national)-minFormatDigits, len(leading)-1)] + `)`)
	return re != nil && re.MatchString(national)
}

func ruleHasPrefix(f *phonenumbers.NumberFormat) bool {
	rule := f.GetNationalPrefixFormattingRule()
	return rule != "" && !firstGroupOnly.MatchString(rule)
}

// template returns the layout of the longest number format f takes, with a placeholder for every digit: for
// "(\d{3})(\d{3})(\d{4})" and "($1) $2-$3" it is "(___) ___-____". With a national prefix, the format's
// national prefix formatting rule (such as "(0$1)") is applied to the first group.
func template(f *phonenumbers.NumberFormat, ndd string) string {
	pattern := charClass.ReplaceAllString(f.GetPattern(), `\d`)
	re := compiled(pattern)
	if re == nil {
		return ""
	}
	longest := re.FindString(nines)
	if longest == "" {
		return ""
	}
	layout := groupRef.ReplaceAllString(f.GetFormat(), "$${$1}")
	if ndd != "" && ruleHasPrefix(f) {
		rule := groupRef.ReplaceAllString(f.GetNationalPrefixFormattingRule(), "$${$1}")
		layout = strings.Replace(layout, "${1}", rule, 1)
	}
	return strings.ReplaceAll(re.ReplaceAllString(longest, layout), "9", string(placeholder))
}

// fill puts digits into the placeholders of tmpl and cuts it after the last digit. It fails when tmpl has fewer
// placeholders than there are digits.
func fill(tmpl, digits string) (string, bool) {
	if strings.Count(tmpl, string(placeholder)) < len(digits) {
		return "", false
	}
	var b strings.Builder
	next := 0
	for _, r := range tmpl {
		if next == len(digits) {
			break
		}
		if r == placeholder {
			b.WriteByte(digits[next])
			next++
			continue
		}
		b.WriteRune(r)
	}
	return b.String(), true
}

// cutIDD splits off the international prefix of meta's region ("00", "011", "0011" …) when number starts with
// one.
func cutIDD(meta *phonenumbers.PhoneMetadata, number string) (idd, rest string, ok bool) {
	re := compiled(`^(?:` + meta.GetInternationalPrefix() + `)`)
	if re == nil || meta.GetInternationalPrefix() == "" {
		return "", number, false
	}
	idd = re.FindString(number)
	return idd, number[len(idd):], idd != "" && len(idd) < len(number)
}

// cutNationalPrefix splits off the national prefix when number starts with one. North American numbers take a
// leading "1" as the prefix only when the next digit can start an area code, as libphonenumber does.
func cutNationalPrefix(meta *phonenumbers.PhoneMetadata, number string) (ndd, national string) {
	if meta.GetCountryCode() == 1 {
		if len(number) > 1 && number[0] == '1' && number[1] != '0' && number[1] != '1' {
			return "1", number[1:]
		}
		return "", number
	}
	if meta.GetNationalPrefixTransformRule() != "" {
		return "", number
	}
	parsing := meta.GetNationalPrefixForParsing()
	if parsing == "" {
		parsing = meta.GetNationalPrefix()
	}
	re := compiled(`^(?:` + parsing + `)`)
	if parsing == "" || re == nil {
		return "", number
	}
	ndd = re.FindString(number)
	return ndd, number[len(ndd):]
}

func compiled(pattern string) *regexp.Regexp {
	if re, ok := regexps.Load(pattern); ok {
		return re.(*regexp.Regexp)
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		re = nil // an RE2-incompatible pattern in the metadata: that format is skipped
	}
	regexps.Store(pattern, re)
	return re
}

// metadata indexes phonenumbers' territory metadata by region and by country calling code.
var metadata = sync.OnceValues(func() (map[string]*phonenumbers.PhoneMetadata, map[int]*phonenumbers.PhoneMetadata) {
	byRegion := map[string]*phonenumbers.PhoneMetadata{}
	byCode := map[int]*phonenumbers.PhoneMetadata{}
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return byRegion, byCode // the embedded metadata is broken: numbers are shown as typed
	}
	for _, m := range coll.GetMetadata() {
		code := int(m.GetCountryCode())
		if m.GetId() != "001" {
			byRegion[m.GetId()] = m
		}
		if m.GetId() == "001" || m.GetId() == phonenumbers.GetRegionCodeForCountryCode(code) {
			byCode[code] = m
		}
	}
	return byRegion, byCode
})

func regionMetadata(region string) *phonenumbers.PhoneMetadata {
	byRegion, _ := metadata()
	return byRegion[region]
}

func callingCodeMetadata(code int) *phonenumbers.PhoneMetadata {
	_, byCode := metadata()
	return byCode[code]
}

// Preload loads the phone number metadata (about 1 MB decoded from the
// binary) now, so that the first number typed or shown does not wait for it.
// The app calls it in the background as it starts; it is safe to call from
// any goroutine, any number of times.
func Preload() {
	metadata()
	_, _ = phonenumbers.Parse("+12015550123", DefaultRegion)
}
