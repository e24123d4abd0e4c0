package config

import (
	"errors"
	"net/url"
	"strings"

	"wsops/data"
	"wsops/secret"
)

// The stores a registry can be kept in (a profile's registry key).
const (
	RegistryDynamoDB = "dynamodb"
	RegistryMongoDB  = "mongodb"
)

// MongoDB is where a profile's MongoDB registry is: its URI (expanded at
// load, or, when its ${env:NAME} was unset then, at Resolve) and the
// database the file names. The URI is a secret: String shows it redacted.
type MongoDB struct {
	uri string
	// ref is a URI whose ${env:NAME} was unset at load; refAt and missing
	// are the errors Resolve returns for it or for no URI at all.
	ref     string
	refAt   *Error
	missing *Error
	// database is the file's mongodb_database ("": the URI's path, else
	// the preset's).
	database string
}

// Resolve returns the URI, or why there is none: an *Error naming the
// file, the profile and the key mongodb_uri.
func (m MongoDB) Resolve() (string, error) {
	switch {
	case m.ref != "":
		v, _, err := expandEnv(m.ref)
		if err != nil {
			e := *m.refAt
			e.Msg, e.Err = err.Error(), err
			return "", &e
		}
		return v, nil
	case m.uri == "" && m.missing != nil:
		return "", m.missing
	case m.uri == "":
		return "", errors.New("no mongodb_uri")
	}
	return m.uri, nil
}

// String is the URI as wsops shows it: its password redacted, or the
// reference that is resolved at start.
func (m MongoDB) String() string {
	if m.ref != "" {
		return m.ref + " (resolved at start)"
	}
	return secret.RedactURI(m.uri)
}

// Database is the database the registry is in, for uri: the file's
// mongodb_database, else the URI's path, else def (the preset's).
func (m MongoDB) Database(uri, def string) string {
	if m.database != "" {
		return m.database
	}
	if db := URIDatabase(uri); db != "" {
		return db
	}
	return def
}

// URIDatabase is the database a MongoDB URI names in its path
// (mongodb://host/this27?…), or "".
func URIDatabase(uri string) string {
	_, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return ""
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		rest = rest[at+1:]
	}
	i := strings.IndexAny(rest, "/?")
	if i < 0 || rest[i] != '/' {
		return ""
	}
	path, _, _ := strings.Cut(rest[i+1:], "?")
	db, err := url.PathUnescape(path)
	if err != nil {
		return ""
	}
	return db
}

// ResolveMongo returns the profile's MongoDB URI and its schema with the
// database resolved (mongodb_database, the URI's path, the preset's).
func (p *Profile) ResolveMongo() (uri string, s data.Schema, err error) {
	uri, err = p.MongoDB.Resolve()
	if err != nil {
		return "", data.Schema{}, err
	}
	s = p.Schema
	s.Mongo.Database = p.MongoDB.Database(uri, s.Mongo.Database)
	return uri, s, nil
}

// registry sets the profile's store: the file's registry key, else
// MongoDB for the this27 preset (this27 keeps its registry there, and so
// does its sandbox) and DynamoDB for the others. A this27 sandbox profile
// that names a dynamodb_url keeps DynamoDB (wsops sandbox --registry
// dynamodb).
func (pr *profileResolver) registry(p *Profile, raw *rawProfile) {
	p.Registry = pr.str("registry", raw.Registry)
	switch {
	case p.Registry == "" && p.Preset == "this27" && !(p.Sandbox && raw.DynamoDBURL != ""):
		p.Registry = RegistryMongoDB
	case p.Registry == "":
		p.Registry = RegistryDynamoDB
	case p.Registry != RegistryDynamoDB && p.Registry != RegistryMongoDB:
		pr.fail("registry", "expected %q or %q", RegistryDynamoDB, RegistryMongoDB)
	}
}

// mongo resolves mongodb_uri and mongodb_database. A URI whose
// ${env:NAME} is unset is resolved when the registry is opened, so that
// commands that need no registry work without it; a literal password in
// the file gets a warning, never showing it.
func (pr *profileResolver) mongo(p *Profile, raw *rawProfile) {
	m := &p.MongoDB
	m.database = pr.str("mongodb_database", raw.MongoDBDatabase)
	v, _, err := expandEnv(raw.MongoDBURI)
	var unset *unsetEnvError
	switch {
	case errors.As(err, &unset):
		m.ref, m.refAt = raw.MongoDBURI, pr.errorAt("mongodb_uri", "")
	case err != nil:
		pr.failWrap("mongodb_uri", err, "%v", err)
	default:
		m.uri = v
	}
	if secret.URIPassword(withoutEnvRefs(raw.MongoDBURI)) != "" {
		pr.literalSecret = true
		pr.warn("mongodb_uri", "holds a literal password; reference the URI from the environment instead: mongodb_uri = %sMONGO_URI}", envRefStart)
	}
	if uri := withoutEnvRefs(raw.MongoDBURI); uri != "" && raw.MongoDBURI == uri && !strings.HasPrefix(uri, "mongodb://") && !strings.HasPrefix(uri, "mongodb+srv://") {
		pr.fail("mongodb_uri", "expected a mongodb:// or mongodb+srv:// URI, normally %sMONGO_URI}", envRefStart)
	}
	if p.Registry != RegistryMongoDB {
		for _, k := range []struct{ key, value string }{{"mongodb_uri", raw.MongoDBURI}, {"mongodb_database", raw.MongoDBDatabase}} {
			if k.value != "" {
				pr.warn(k.key, "is ignored unless registry = %q", RegistryMongoDB)
			}
		}
		return
	}
	if raw.MongoDBURI == "" && p.Sandbox {
		m.uri = sandboxMongoURI // the sandbox's embedded MongoDB
		return
	}
	if raw.MongoDBURI == "" {
		m.missing = pr.errorAt("mongodb_uri", "registry = \"mongodb\" needs the MongoDB URI: mongodb_uri = \""+envRefStart+"MONGO_URI}\"")
	}
}

// mongoSchema applies the MongoDB names of [profiles.NAME.schema] and
// checks that the schema fits a MongoDB registry.
func (pr *profileResolver) mongoSchema(p *Profile, raw rawSchema) {
	s := &p.Schema
	if raw.Connections.Collection != nil {
		s.Mongo.Collection = pr.str("schema.connections.collection", *raw.Connections.Collection)
	}
	if raw.Subscriptions.Rooms != nil {
		s.Mongo.Rooms = pr.str("schema.subscriptions.rooms", *raw.Subscriptions.Rooms)
	}
	if p.Registry != RegistryMongoDB {
		if raw.Connections.Collection != nil || raw.Subscriptions.Rooms != nil {
			pr.warn("schema", "collection and rooms are ignored unless registry = %q", RegistryMongoDB)
		}
		for _, f := range []data.TimeFormat{s.Connections.TimeFormat, s.Subscriptions.TimeFormat} {
			if f == data.Date {
				pr.fail("schema", "time_format %q is a MongoDB date: only with registry = %q", data.Date, RegistryMongoDB)
			}
		}
		return
	}
	if pr.err != nil {
		return
	}
	check := *s
	if check.Mongo.Database == "" {
		check.Mongo.Database = "-" // the URI's, known when it is resolved
	}
	if err := check.ValidateMongo(); err != nil {
		pr.failWrap("schema", err, "the schema (preset %q with this profile's overrides) does not fit a MongoDB registry: %v", s.Preset, err)
	}
}
