package idp

import "testing"

func TestSalesforceRefusesForeignIssuer(t *testing.T) {
	if salesforceLoginHost("https://acme.my.salesforce.com", "https://evil.example") {
		t.Error("a Salesforce org accepted a discovery document naming another host")
	}
	if !salesforceLoginHost("https://acme.my.salesforce.com", "https://login.salesforce.com") {
		t.Error("a Salesforce org refused login.salesforce.com")
	}
	if salesforceLoginHost("https://acme.my.salesforce.com", "http://127.0.0.1:9") {
		t.Error("a Salesforce org accepted a loopback issuer")
	}
}
