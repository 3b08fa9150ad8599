package webhook_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/mercato-market/mercato/pkg/webhook"
)

func TestParse(t *testing.T) {
	date := time.Date(2015, 1, 12, 11, 19, 30, 0, time.UTC)
	want := webhook.Notification{Date: date, Entity: "Subscription", EntityURL: "subscription/2388", ID: 2388, Type: "CREATED", EventID: 91}
	for name, in := range map[string]string{
		"numbers":           body,
		"strings":           `{"date":"2015-01-12T11:19:30Z","entity":"Subscription","entityUrl":"subscription/2388","id":"2388","type":"CREATED","eventId":"91"}`,
		"mixed":             `{"date":"2015-01-12T11:19:30Z","entity":"Subscription","entityUrl":"subscription/2388","id":"2388","type":"CREATED","eventId":91}`,
		"unknown fields":    `{"extra":{"a":[1,2]},"date":"2015-01-12T11:19:30Z","entity":"Subscription","entityUrl":"subscription/2388","id":2388,"type":"CREATED","eventId":91,"more":null}`,
		"offset date":       `{"date":"2015-01-12T12:19:30+01:00","entity":"Subscription","entityUrl":"subscription/2388","id":2388,"type":"CREATED","eventId":91}`,
		"Java date":         `{"date":"2015-01-12T11:19:30.000+0000","entity":"Subscription","entityUrl":"subscription/2388","id":2388,"type":"CREATED","eventId":91}`,
		"date without zone": `{"date":"2015-01-12T11:19:30","entity":"Subscription","entityUrl":"subscription/2388","id":2388,"type":"CREATED","eventId":91}`,
		"date as epoch ms":  `{"date":1421061570000,"entity":"Subscription","entityUrl":"subscription/2388","id":2388,"type":"CREATED","eventId":91}`,
		"whitespace":        "\n {\"date\" : \"2015-01-12T11:19:30Z\", \"entity\":\"Subscription\",\"entityUrl\":\"subscription/2388\",\"id\": 2388 ,\"type\":\"CREATED\",\"eventId\":91}\n",
	} {
		got, err := webhook.Parse([]byte(in))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, want %+v", name, got, want)
		}
	}

	// Optional fields.
	n, err := webhook.Parse([]byte(`{"date":"2015-01-12T11:19:30Z","entity":"ProductVersion","entityUrl":"productVersion/7","id":7,"type":"MODIFIED","metadata":{"approved":true,"published":false},"eventId":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if n.EventID != 0 || n.Metadata["approved"] != true || n.Metadata["published"] != false || n.Entity != webhook.EntityProductVersion || n.Type != webhook.TypeModified {
		t.Errorf("optional fields: %+v", n)
	}
	big, err := webhook.Parse([]byte(`{"entity":"Invoice","type":"CREATED","id":9007199254740993,"eventId":"9223372036854775807"}`))
	if err != nil || big.ID != 9007199254740993 || big.EventID != 9223372036854775807 {
		t.Errorf("large ids lose precision: %+v, %v", big, err)
	}
}

func TestParseRefuses(t *testing.T) {
	for name, in := range map[string]string{
		"empty":              ``,
		"not JSON":           `entity=Subscription`,
		"truncated":          `{"entity":"Subscription","type":"CREATED","id":23`,
		"array":              `[1,2]`,
		"null":               `null`,
		"empty object":       `{}`,
		"no type":            `{"entity":"Subscription","id":1}`,
		"no entity":          `{"type":"CREATED","id":1}`,
		"id fractional":      `{"entity":"Subscription","type":"CREATED","id":1.5}`,
		"id exponent":        `{"entity":"Subscription","type":"CREATED","id":1e3}`,
		"id word":            `{"entity":"Subscription","type":"CREATED","id":"abc"}`,
		"id empty string":    `{"entity":"Subscription","type":"CREATED","id":""}`,
		"id overflow":        `{"entity":"Subscription","type":"CREATED","id":99999999999999999999}`,
		"id bool":            `{"entity":"Subscription","type":"CREATED","id":true}`,
		"id object":          `{"entity":"Subscription","type":"CREATED","id":{}}`,
		"eventId word":       `{"entity":"Subscription","type":"CREATED","id":1,"eventId":"x"}`,
		"date word":          `{"entity":"Subscription","type":"CREATED","id":1,"date":"yesterday"}`,
		"date bool":          `{"entity":"Subscription","type":"CREATED","id":1,"date":true}`,
		"entity number":      `{"entity":3,"type":"CREATED","id":1}`,
		"trailing garbage":   body + `x`,
		"two objects":        body + body,
		"metadata not a map": `{"entity":"Subscription","type":"CREATED","id":1,"metadata":[1]}`,
	} {
		if n, err := webhook.Parse([]byte(in)); err == nil {
			t.Errorf("%s: accepted as %+v", name, n)
		}
	}
}

func TestNotificationMarshal(t *testing.T) {
	n := webhook.Notification{
		Date:      time.Date(2015, 1, 12, 12, 19, 30, 0, time.FixedZone("CET", 3600)),
		Entity:    webhook.EntitySubscription,
		EntityURL: "subscription/2388",
		ID:        2388,
		Type:      webhook.TypeCreated,
		EventID:   91,
	}
	b, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != body {
		t.Errorf("got  %s\nwant %s", b, body)
	}
	// Round trip, with metadata.
	n.Metadata = map[string]any{"approved": true}
	b, _ = json.Marshal(n)
	back, err := webhook.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Date.Equal(n.Date) || back.ID != n.ID || back.EventID != n.EventID || back.Metadata["approved"] != true {
		t.Errorf("round trip: %+v", back)
	}
	// A pointer marshals the same.
	pb, _ := json.Marshal(&n)
	if string(pb) != string(b) {
		t.Errorf("pointer: %s", pb)
	}
}
