package demo

import (
	"strings"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"golang.org/x/text/language"
)

// Password is the password of every demo user. It is printed by
// Instructions and in the README: the demo has nothing to protect.
const Password = "dialtone-demo"

// User is a person who can sign in at the demo identity provider. The
// login name is the email address.
type User struct {
	Email    string
	Name     string
	Password string
	// About says what signing in as this user shows.
	About string
}

// demoUser is a User with the provider's stable subject: a stored session
// is only renewed for the same subject, so it must not change between
// starts.
type demoUser struct {
	User
	subject, first, last string
}

var demoUsers = []demoUser{
	{User{"agent@acme.test", "Ada Agent", Password, "Acme: one enforced provider, straight to the browser; a phone line"}, "demo-ada", "Ada", "Agent"},
	{User{"agent@globex.test", "Gus Globex", Password, "Globex: two providers to choose from; Globex contractors is Brokered"}, "demo-gus", "Gus", "Globex"},
	{User{"agent@initech.test", "Ivy Initech", Password, "no account in the directory: no single sign-on"}, "demo-ivy", "Ivy", "Initech"},
}

// Users returns the demo users.
func Users() []User {
	us := make([]User, len(demoUsers))
	for i, u := range demoUsers {
		us[i] = u.User
	}
	return us
}

// userStore is the demo users as the example provider's storage.UserStore.
type userStore struct{}

// GetUserByID implements storage.UserStore.
func (userStore) GetUserByID(id string) *storage.User {
	for _, u := range demoUsers {
		if u.subject == id {
			return u.storageUser()
		}
	}
	return nil
}

// GetUserByUsername implements storage.UserStore. The username is the
// email address, matched as Dialtone matches emails: trimmed, any case.
func (userStore) GetUserByUsername(username string) *storage.User {
	for _, u := range demoUsers {
		if strings.EqualFold(u.Email, strings.TrimSpace(username)) {
			return u.storageUser()
		}
	}
	return nil
}

// ExampleClientID implements storage.UserStore. It names the example's
// JWT-profile service account, which the demo turns off (see
// opStorage.GetKeyByIDAndClientID); no user has this ID.
func (userStore) ExampleClientID() string { return "dialtone-demo-no-service" }

// storageUser returns a fresh copy, so the table cannot be changed
// through it. The example puts first + " " + last in the "name" claim.
func (u demoUser) storageUser() *storage.User {
	return &storage.User{
		ID:                u.subject,
		Username:          u.Email,
		Password:          u.Password,
		FirstName:         u.first,
		LastName:          u.last,
		Email:             u.Email,
		EmailVerified:     true,
		PreferredLanguage: language.English,
	}
}
