package api

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// The Spark UI proxy is mounted under the prefix behind the same secret check as the API.
func TestSparkUIBehindSecret(t *testing.T) {
	var got []string
	ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.Path)
		w.WriteHeader(http.StatusTeapot)
	})
	h, err := Handler(Options{Prefix: prefix, ProxySecret: secret, Source: state.New(state.Options{}), SparkUI: ui})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, tc := range []struct {
		method, path string
		secret       bool
		want         int
	}{
		{http.MethodGet, prefix + "ui/app-1/jobs/", false, http.StatusUnauthorized},
		{http.MethodGet, prefix + "ui/app-1/jobs/", true, http.StatusTeapot},
		{http.MethodPost, prefix + "ui/app-1/stages/stage/kill/", true, http.StatusTeapot},
		{http.MethodGet, prefix + "ui/app-1", true, http.StatusTeapot},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		if tc.secret {
			req.Header.Set(SecretHeader, secret)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s (secret %v): %d, want %d", tc.method, tc.path, tc.secret, resp.StatusCode, tc.want)
		}
	}
	if len(got) != 3 || got[0] != "GET "+prefix+"ui/app-1/jobs/" {
		t.Fatalf("the proxy saw %v", got)
	}
}
