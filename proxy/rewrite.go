package proxy

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// The request decorators of httputil.ReverseProxy.Rewrite, one per behaviour, and the response decorators of
// ModifyResponse. Each reads the request's target (set by ServeHTTP).

type decorator func(pr *httputil.ProxyRequest, t target)

func chain(ds ...decorator) func(*httputil.ProxyRequest) {
	return func(pr *httputil.ProxyRequest) {
		t := pr.In.Context().Value(targetKey{}).(target)
		for _, d := range ds {
			d(pr, t)
		}
	}
}

// toUpstream points the request at the registered UI only: scheme and host come from the Resolver, the path is the
// cleaned one, and Host is the UI's own (Spark builds its absolute redirects from it; rewriteLocation maps them back).
func toUpstream(pr *httputil.ProxyRequest, t target) {
	pr.Out.URL = &url.URL{Scheme: t.upstream.Scheme, Host: t.upstream.Host, Path: t.path, RawQuery: pr.In.URL.RawQuery}
	pr.Out.Host = t.upstream.Host
}

// forwardedContext makes Spark build every link, static resource and REST call of its pages under our prefix
// (Spark's UIUtils.uiRoot reads X-Forwarded-Context when spark.ui.proxyBase is unset).
func forwardedContext(pr *httputil.ProxyRequest, t target) {
	pr.Out.Header.Set("X-Forwarded-Context", t.context)
}

// credentials are the request headers that never reach Spark: the user's Jupyter token and cookies, and the
// monitor's secret.
var credentials = []string{"Cookie", "Authorization", SecretHeader}

// dropCredentials keeps the credentials away from Spark.
func dropCredentials(pr *httputil.ProxyRequest, _ target) {
	for _, h := range credentials {
		pr.Out.Header.Del(h)
	}
}

// responseDecorator changes Spark's response before its header leaves; an error makes it the 502 of unreachable.
type responseDecorator func(resp *http.Response, t target) error

func chainResponse(ds ...responseDecorator) func(*http.Response) error {
	return func(resp *http.Response) error {
		t := resp.Request.Context().Value(targetKey{}).(target)
		for _, d := range ds {
			if err := d(resp, t); err != nil {
				return err
			}
		}
		return nil
	}
}

// rewriteLocation maps Spark's redirects (absolute, built from Host: `http://127.0.0.1:4040/jobs/`, or root-relative
// `/jobs/`) under our prefix, as root-relative URLs that jupyter-server-proxy (absolute_url) passes on untouched.
func rewriteLocation(resp *http.Response, t target) error {
	if loc := resp.Header.Get("Location"); loc != "" {
		resp.Header.Set("Location", mapLocation(loc, t))
	}
	return nil
}

func mapLocation(loc string, t target) string {
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	if u.Host != "" || u.Scheme != "" {
		if !strings.EqualFold(u.Host, t.upstream.Host) {
			return loc // somewhere else: Spark's to decide
		}
	} else if !strings.HasPrefix(u.Path, "/") {
		return loc // relative: the browser resolves it under our prefix already
	}
	p := u.EscapedPath()
	if p != t.context && !strings.HasPrefix(p, t.context+"/") {
		p = t.context + p
	}
	out, err := url.Parse(p) // keeps Spark's own escaping of the path
	if err != nil {
		return loc
	}
	out.RawQuery, out.Fragment = u.RawQuery, u.Fragment
	return out.String()
}

// dropSetCookie keeps Spark's cookies (auth filters) off the Jupyter origin, where they would reach every path.
func dropSetCookie(resp *http.Response, _ target) error {
	resp.Header.Del("Set-Cookie")
	return nil
}
