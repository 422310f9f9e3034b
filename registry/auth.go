package registry

import (
	"crypto/subtle"
	"sync"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/motcua/motcua/city"
)

// leafAuth checks who connects to the registry's NATS server: the registry
// itself (an in-process client with a secret made at start) and the halls,
// as leaf nodes, each with its branch code and password. The branch list
// comes from the database and changes while the registry runs, which the
// server's static user lists cannot do.
type leafAuth struct {
	internalUser, internalPass string

	mu       sync.Mutex
	branches map[string]string // branch code → SHA-256 of its password (hex)
	conns    map[uint64]string // leaf connection id → branch code
}

// Check implements server.Authentication.
func (a *leafAuth) Check(c server.ClientAuthentication) bool {
	opts := c.GetOpts()
	switch c.Kind() {
	case server.CLIENT:
		if opts.Username == a.internalUser && opts.Password == a.internalPass {
			c.RegisterUser(&server.User{Username: a.internalUser})
			return true
		}
		return false
	case server.LEAF:
		a.mu.Lock()
		hash, ok := a.branches[opts.Username]
		a.mu.Unlock()
		if !ok || subtle.ConstantTimeCompare([]byte(hash), []byte(HashPassword(opts.Password))) != 1 {
			return false
		}
		c.RegisterUser(&server.User{Username: opts.Username, Permissions: hallPermissions(opts.Username)})
		a.mu.Lock()
		a.conns[c.GetID()] = opts.Username
		a.mu.Unlock()
		return true
	}
	return false
}

// hallPermissions are what a hall's leaf connection may do, written from
// the hall's side (the server turns them round for the registry's side): it
// may send its own events, the answers of its own JetStream domain, and
// lookups, and it reads the city's configuration bucket; it receives the requests to its domain, replies and flow control.
func hallPermissions(branch string) *server.Permissions {
	domainAPI := "$JS." + city.HallDomain(branch) + ".API.>"
	kv := "KV_" + city.ConfigBucket
	cityAPI := "$JS." + city.RegistryDomain + ".API."
	return &server.Permissions{
		Publish: &server.SubjectPermission{Allow: []string{
			city.HallSubjects(branch), city.LookupSubject, "_INBOX.>", "$JS.ACK.>", "$JS.FC.>", "$JSC.>", "$JS.S.>",
			// Read the city's configuration bucket, nothing else of the registry's JetStream.
			cityAPI + "STREAM.INFO." + kv, cityAPI + "STREAM.MSG.GET." + kv, cityAPI + "DIRECT.GET." + kv + ".>"}},
		Subscribe: &server.SubjectPermission{Allow: []string{
			domainAPI, "_INBOX.>", "$JS.ACK.>", "$JS.FC.>", "$JSC.>", "$JS.S.>"}},
	}
}

// set replaces the accepted credentials and returns the connections of
// branches no longer accepted (revoked), to be closed.
func (a *leafAuth) set(creds map[string]string) []uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.branches = creds
	var kick []uint64
	for id, code := range a.conns {
		if _, ok := creds[code]; !ok {
			kick = append(kick, id)
			delete(a.conns, id)
		}
	}
	return kick
}

// branchOf names the branch of a leaf connection.
func (a *leafAuth) branchOf(id uint64) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	code, ok := a.conns[id]
	return code, ok
}
