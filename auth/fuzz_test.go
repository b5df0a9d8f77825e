package auth

import (
	"net/url"
	"testing"
)

// FuzzParseCallback feeds arbitrary redirect queries to the loopback
// callback parser: it must never panic, never accept a wrong state, and
// never return a code together with an error.
func FuzzParseCallback(f *testing.F) {
	f.Add("code=abc&state=S")
	f.Add("error=access_denied&error_description=no&state=S")
	f.Add("code=abc&state=S&iss=http%3A%2F%2F127.0.0.1%3A9")
	f.Add("code=a&code=b&state=S")
	f.Add("state=S&state=S&code=x")
	f.Add("%zz=1&state=S")
	f.Add("error=access_denied&dialtone_error=email_mismatch&dialtone_detail=email&dialtone_email=b%40acme.test&state=S")
	f.Add("error=access_denied&dialtone_error=verification&dialtone_detail=signature&state=S")
	check := callbackCheck{state: "S", issuer: "https://idp.example"}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return
		}
		code, cbErr, ok := parseCallback(q, check)
		if !ok {
			if code != "" || cbErr != nil {
				t.Fatalf("rejected callback returned code %q, err %v", code, cbErr)
			}
			return
		}
		if len(q["state"]) != 1 || q.Get("state") != "S" {
			t.Fatalf("accepted state %q", q["state"])
		}
		if (code == "") == (cbErr == nil) {
			t.Fatalf("code %q with err %v: want exactly one", code, cbErr)
		}
		if iss := q.Get("iss"); q.Has("iss") && iss != check.issuer && cbErr == nil {
			t.Fatalf("accepted iss %q", iss)
		}
	})
}
