package events

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
)

// CloudEvents binary mode over NATS: every attribute is a "ce-" header and
// the data is the message body (NATS protocol binding, binary content mode).
const (
	HeaderSpecVersion   = "ce-specversion"
	HeaderID            = "ce-id"
	HeaderSource        = "ce-source"
	HeaderType          = "ce-type"
	HeaderSubject       = "ce-subject"
	HeaderTime          = "ce-time"
	HeaderActor         = "ce-actor"
	HeaderImpersonator  = "ce-impersonator"
	HeaderFieldManager  = "ce-fieldmanager"
	HeaderCorrelationID = "ce-correlationid"
	HeaderCausationID   = "ce-causationid"
	HeaderContentType   = "content-type"

	SpecVersion = "1.0"
	ContentType = "application/json"

	// HeaderMsgID is JetStream's de-duplication header: the event id, so
	// a retried append lands once.
	HeaderMsgID = "Nats-Msg-Id"
)

// Header is a message's headers (NATS headers have this shape).
type Header = map[string][]string

// Message is an encoded event or log record: what the log stores.
type Message struct {
	Subject string
	Header  Header
	Data    []byte
}

// Encode turns an event into the NATS message that stores it. Nats-Msg-Id
// carries the event id so a retried append is de-duplicated by JetStream.
func Encode(e *Event) (*Message, error) {
	if err := e.validate(); err != nil {
		return nil, err
	}
	h := make(Header, 12)
	// Direct map writes: header names are fixed and already canonical for us,
	// and lower-case names are what the CloudEvents NATS binding specifies.
	h[HeaderSpecVersion] = []string{SpecVersion}
	h[HeaderID] = []string{e.ID}
	h[HeaderSource] = []string{e.Source}
	h[HeaderType] = []string{e.Type}
	h[HeaderSubject] = []string{e.CESubject()}
	h[HeaderTime] = []string{e.Time.UTC().Format(time.RFC3339Nano)}
	h[HeaderContentType] = []string{ContentType}
	h[HeaderSchemaVersion] = []string{schemaVersionText}
	if e.Impersonator != "" {
		h[HeaderImpersonator] = []string{e.Impersonator}
	}
	if e.FieldManager != "" {
		h[HeaderFieldManager] = []string{e.FieldManager}
	}
	if e.Actor != "" {
		h[HeaderActor] = []string{e.Actor}
	}
	if e.CorrelationID != "" {
		h[HeaderCorrelationID] = []string{e.CorrelationID}
	}
	if e.CausationID != "" {
		h[HeaderCausationID] = []string{e.CausationID}
	}
	h[HeaderMsgID] = []string{e.ID}
	return &Message{Subject: e.NATSSubject(), Header: h, Data: e.Data}, nil
}

// Decode reads a stored message back into an event.
func Decode(subject string, h Header, data []byte, seq uint64) (*Event, error) {
	res, ns, name, err := ParseSubject(subject)
	if err != nil {
		return nil, err
	}
	if v := first(h, HeaderSpecVersion); v != SpecVersion {
		return nil, fmt.Errorf("%w: specversion %q at seq %d", ErrBadEvent, v, seq)
	}
	e := &Event{
		ID:            first(h, HeaderID),
		Source:        first(h, HeaderSource),
		Type:          first(h, HeaderType),
		Actor:         first(h, HeaderActor),
		Impersonator:  first(h, HeaderImpersonator),
		FieldManager:  first(h, HeaderFieldManager),
		CorrelationID: first(h, HeaderCorrelationID),
		CausationID:   first(h, HeaderCausationID),
		Resource:      res,
		Namespace:     ns,
		Name:          name,
		Data:          data,
		Seq:           seq,
	}
	if t := first(h, HeaderTime); t != "" {
		if e.Time, err = time.Parse(time.RFC3339Nano, t); err != nil {
			return nil, fmt.Errorf("%w: time %q at seq %d", ErrBadEvent, t, seq)
		}
	}
	v := 0
	if s := first(h, HeaderSchemaVersion); s != "" {
		if v, err = strconv.Atoi(s); err != nil {
			return nil, fmt.Errorf("%w: schema version %q at seq %d", ErrBadEvent, s, seq)
		}
	}
	if err := upcast(e, v); err != nil {
		return nil, fmt.Errorf("seq %d: %w", seq, err)
	}
	if err := e.validate(); err != nil {
		return nil, fmt.Errorf("seq %d: %w", seq, err)
	}
	if err := e.matchesSubject(first(h, HeaderSubject)); err != nil {
		return nil, fmt.Errorf("seq %d: %w", seq, err)
	}
	return e, nil
}

// matchesSubject refuses an event whose CloudEvents subject or type names
// another object or kind than the NATS subject it is stored on: a message
// copied onto another subject (a reflected read, a replay) is not an event
// of the object it landed on.
func (e *Event) matchesSubject(ceSubject string) error {
	if ceSubject != "" && ceSubject != e.CESubject() {
		return fmt.Errorf("%w: ce-subject %q on the subject of %q", ErrBadEvent, ceSubject, e.CESubject())
	}
	if res, ok := Lookup(e.Resource); ok && !strings.HasPrefix(e.Type, TypePrefix+res.Singular+".") {
		return fmt.Errorf("%w: type %q on a %s subject", ErrBadEvent, e.Type, e.Resource)
	}
	return nil
}

var schemaVersionText = strconv.Itoa(SchemaVersion)

func first(h Header, k string) string {
	if v := h[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// ToCloudEvent converts to the CloudEvents SDK's event, for auditors and for
// checking that what Jetplane writes is a valid CloudEvent.
func (e *Event) ToCloudEvent() (cloudevents.Event, error) {
	ce := cloudevents.New(SpecVersion)
	ce.SetID(e.ID)
	ce.SetSource(e.Source)
	ce.SetType(e.Type)
	ce.SetSubject(e.CESubject())
	ce.SetTime(e.Time)
	if e.Impersonator != "" {
		ce.SetExtension("impersonator", e.Impersonator)
	}
	if e.FieldManager != "" {
		ce.SetExtension("fieldmanager", e.FieldManager)
	}
	if e.Actor != "" {
		ce.SetExtension("actor", e.Actor)
	}
	if e.CorrelationID != "" {
		ce.SetExtension("correlationid", e.CorrelationID)
	}
	if e.CausationID != "" {
		ce.SetExtension("causationid", e.CausationID)
	}
	if e.Seq > 0 {
		// The CloudEvents "sequence" extension: the stream sequence, which
		// is also the object's resourceVersion and an audit resume point.
		ce.SetExtension("sequence", FormatRV(e.Seq))
	}
	if err := ce.SetData(ContentType, e.Data); err != nil {
		return ce, fmt.Errorf("cloudevent data: %w", err)
	}
	if err := ce.Validate(); err != nil {
		return ce, fmt.Errorf("%w: %w", ErrBadEvent, err)
	}
	return ce, nil
}
