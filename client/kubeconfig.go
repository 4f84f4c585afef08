package client

import (
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

// kubeconfig is the part of kubectl's config file that Jetplane writes
// (WriteKubeconfig) and its client verbs read (FromKubeconfig).
type kubeconfig struct {
	APIVersion     string            `json:"apiVersion"`
	Kind           string            `json:"kind"`
	CurrentContext string            `json:"current-context"`
	Clusters       []namedCluster    `json:"clusters"`
	Users          []namedUser       `json:"users"`
	Contexts       []namedContext    `json:"contexts"`
	Preferences    map[string]string `json:"preferences"`
}

type namedCluster struct {
	Name    string `json:"name"`
	Cluster struct {
		Server                   string `json:"server"`
		CertificateAuthorityData []byte `json:"certificate-authority-data,omitempty"`
		CertificateAuthority     string `json:"certificate-authority,omitempty"`
		InsecureSkipTLSVerify    bool   `json:"insecure-skip-tls-verify,omitempty"`
	} `json:"cluster"`
}

type namedUser struct {
	Name string `json:"name"`
	User struct {
		Token                 string `json:"token,omitempty"`
		ClientCertificateData []byte `json:"client-certificate-data,omitempty"`
		ClientKeyData         []byte `json:"client-key-data,omitempty"`
	} `json:"user"`
}

type namedContext struct {
	Name    string `json:"name"`
	Context struct {
		Cluster   string `json:"cluster"`
		User      string `json:"user"`
		Namespace string `json:"namespace"`
	} `json:"context"`
}

// Credentials are what a kubeconfig's user presents: a bearer token, a
// client certificate (PEM) and its key, or both.
type Credentials struct {
	Token                       string
	ClientCertPEM, ClientKeyPEM []byte
}

// WriteKubeconfig writes a kubeconfig that points kubectl at server as user
// with cred, trusting the PEM certificate authority caPEM.
func WriteKubeconfig(path, server string, caPEM []byte, user string, cred Credentials) error {
	kc := kubeconfig{APIVersion: "v1", Kind: "Config", CurrentContext: "jetplane", Preferences: map[string]string{}}
	var c namedCluster
	c.Name, c.Cluster.Server, c.Cluster.CertificateAuthorityData = "jetplane", server, caPEM
	var u namedUser
	u.Name, u.User.Token = user, cred.Token
	u.User.ClientCertificateData, u.User.ClientKeyData = cred.ClientCertPEM, cred.ClientKeyPEM
	var x namedContext
	x.Name, x.Context.Cluster, x.Context.User, x.Context.Namespace = "jetplane", "jetplane", user, "default"
	kc.Clusters, kc.Users, kc.Contexts = []namedCluster{c}, []namedUser{u}, []namedContext{x}
	data, err := yaml.Marshal(kc)
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	return nil
}
