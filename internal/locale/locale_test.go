package locale

import (
	"slices"
	"testing"
	"testing/fstest"
)

func TestLoadAndMatch(t *testing.T) {
	fsys := fstest.MapFS{"words/it.json": {Data: []byte(`{"Save": "Salva", "Description": {"other": "Descrizione"}}`)}}
	c, err := Load(fsys, "words", "en", "it")
	if err != nil {
		t.Fatal(err)
	}
	ids := c.IDs("it")
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"Description", "Save"}) || c.IDs("en") != nil {
		t.Errorf("ids: it %v, en %v", ids, c.IDs("en"))
	}
	if !c.Has("it") || c.Has("fr") || !slices.Equal(c.Languages(), []string{"en", "it"}) {
		t.Errorf("languages %v", c.Languages())
	}
	for header, want := range map[string]string{
		"it-IT,it;q=0.9": "it", "it-CH": "it", "fr, it;q=0.3": "it", "en-GB, it;q=0.8": "en",
		"fr-FR": "en", "": "en", "!!": "en", "*": "en",
	} {
		if got := c.Match(header); got != want {
			t.Errorf("Match(%q) = %s, want %s", header, got, want)
		}
	}
	if _, err := Load(fstest.MapFS{"words/it.json": {Data: []byte(`{"Save": `)}}, "words", "en", "it"); err == nil {
		t.Error("a malformed catalogue loads")
	}
	if _, err := Load(fsys, "words"); err == nil {
		t.Error("no language loads")
	}
}
