package idp_test

import (
	"errors"
	"fmt"
	"log"
	"os"

	"dialtone/internal/idp"
)

// Reading a provider list file: every problem names its field.
func ExampleParseProviderList() {
	f, err := os.Open("providers.json")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	list, err := idp.ParseProviderList(f)
	var ce *idp.ConfigError
	if errors.As(err, &ce) {
		log.Fatalf("providers.json: %s: %s", ce.Field, ce.Problem)
	}
	for _, p := range list.Providers {
		fmt.Println(p.ID, p.Type, p.Issuer)
	}
}
