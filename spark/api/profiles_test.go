package api

import (
	"net/http"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

func TestProfilesEndpointListsValidAndInvalidProfiles(t *testing.T) {
	path := "/etc/jupyter/sparkmonitor.yaml"
	list := ProfileList{Config: &path, Profiles: []Profile{
		{Name: "small", Valid: true, Conf: map[string]string{"spark.master": "local[2]"}},
		{Name: "bad", Problems: []string{path + ":5: profile bad: executor.cores -2: must be at least 1"}},
	}}
	srv, _ := serve(t, state.Options{}, Options{Profiles: func() ProfileList { return list }})
	if code, _ := get(t, srv.URL+prefix+"api/profiles", false); code != http.StatusUnauthorized {
		t.Fatalf("without the proxy secret: %d", code)
	}
	code, body := get(t, srv.URL+prefix+"api/profiles", true)
	if code != http.StatusOK {
		t.Fatalf("%d %v", code, body)
	}
	data := body["data"].(map[string]any)
	ps := data["profiles"].([]any)
	if data["config"] != path || len(ps) != 2 {
		t.Fatalf("%v", data)
	}
	small, bad := ps[0].(map[string]any), ps[1].(map[string]any)
	if small["valid"] != true || small["conf"].(map[string]any)["spark.master"] != "local[2]" || len(small["problems"].([]any)) != 0 {
		t.Errorf("small: %v", small)
	}
	if bad["valid"] != false || bad["conf"] != nil || bad["problems"].([]any)[0] != list.Profiles[1].Problems[0] {
		t.Errorf("bad: %v", bad)
	}
}

func TestProfilesEndpointWithoutAConfigFileIsEmpty(t *testing.T) {
	srv, _ := serve(t, state.Options{}, Options{})
	code, body := get(t, srv.URL+prefix+"api/profiles", true)
	data := body["data"].(map[string]any)
	if code != http.StatusOK || data["config"] != nil || len(data["profiles"].([]any)) != 0 {
		t.Fatalf("%d %v", code, body)
	}
}
