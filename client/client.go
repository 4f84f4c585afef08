package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Client calls one gateway as one user.
type Client struct {
	Server    string // https://host:port
	Namespace string // the context's namespace, default "default"
	token     string
	http      *http.Client
}

// DefaultKubeconfig is what kubectl would read: $KUBECONFIG (its first
// file), else ~/.kube/config.
func DefaultKubeconfig() string {
	if env := os.Getenv("KUBECONFIG"); env != "" {
		return filepath.SplitList(env)[0]
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".kube", "config")
}

// FromKubeconfig makes a client for the current context of a kubeconfig.
func FromKubeconfig(path string) (*Client, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	var kc kubeconfig
	if err := yaml.Unmarshal(data, &kc); err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	c := &Client{Namespace: "default"}
	var clusterName, userName string
	for _, x := range kc.Contexts {
		if x.Name == kc.CurrentContext {
			clusterName, userName = x.Context.Cluster, x.Context.User
			if x.Context.Namespace != "" {
				c.Namespace = x.Context.Namespace
			}
		}
	}
	if clusterName == "" {
		return nil, fmt.Errorf("kubeconfig %s: current context %q not found", path, kc.CurrentContext)
	}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	for _, cl := range kc.Clusters {
		if cl.Name != clusterName {
			continue
		}
		c.Server = strings.TrimRight(cl.Cluster.Server, "/")
		ca := cl.Cluster.CertificateAuthorityData
		if len(ca) == 0 && cl.Cluster.CertificateAuthority != "" {
			if ca, err = os.ReadFile(cl.Cluster.CertificateAuthority); err != nil {
				return nil, fmt.Errorf("kubeconfig: certificate authority: %w", err)
			}
		}
		if len(ca) > 0 {
			tlsConfig.RootCAs = x509.NewCertPool()
			if !tlsConfig.RootCAs.AppendCertsFromPEM(ca) {
				return nil, fmt.Errorf("kubeconfig %s: certificate authority of %s holds no PEM certificate", path, clusterName)
			}
		}
		tlsConfig.InsecureSkipVerify = cl.Cluster.InsecureSkipTLSVerify
	}
	if c.Server == "" {
		return nil, fmt.Errorf("kubeconfig %s: cluster %q has no server", path, clusterName)
	}
	for _, u := range kc.Users {
		if u.Name != userName {
			continue
		}
		c.token = u.User.Token
		if len(u.User.ClientCertificateData) > 0 {
			cert, err := tls.X509KeyPair(u.User.ClientCertificateData, u.User.ClientKeyData)
			if err != nil {
				return nil, fmt.Errorf("kubeconfig %s: client certificate of %s: %w", path, userName, err)
			}
			tlsConfig.Certificates = []tls.Certificate{cert}
		}
	}
	// Many idle connections: a load generator sends hundreds of requests
	// at once, and a new TLS handshake per request would be what it measures.
	c.http = &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConfig, Proxy: http.ProxyFromEnvironment,
		MaxIdleConns: 512, MaxIdleConnsPerHost: 512}}
	return c, nil
}

// Do sends a request to path (with its query) and returns the response when
// its status is 2xx; otherwise the gateway's Status as an error that
// apierrors understands (apierrors.IsNotFound...).
func (c *Client) Do(ctx context.Context, method, path string, body io.Reader, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.Server+path, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var st metav1.Status
	if json.Unmarshal(data, &st) == nil && st.Kind == "Status" {
		return nil, &apierrors.StatusError{ErrStatus: st}
	}
	return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
}

func decodeJSON(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

// GetJSON decodes the answer of a GET into v.
func (c *Client) GetJSON(ctx context.Context, path string, v any) error {
	resp, err := c.Do(ctx, http.MethodGet, path, nil, http.Header{"Accept": {"application/json"}})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: decode: %w", path, err)
	}
	return nil
}

// ErrUnknownResource: a TYPE/NAME whose type the registry does not know.
var ErrUnknownResource = errors.New("unknown resource type")
