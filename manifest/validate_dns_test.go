package manifest

import "testing"

func TestDNSAndHostsErrors(t *testing.T) {
	const ctr = "  containers:\n  - name: web\n    image: /rootfs\n"
	for _, tc := range []struct {
		spec string
		want []string
	}{
		{"  dnsPolicy: None\n  dnsConfig: {searches: [a.b]}\n", []string{
			"spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when DNS policy is None"}},
		{"  dnsConfig:\n    nameservers: [1.1.1.1, 2.2.2.2, 3.3.3.3, 4.4.4.4, x]\n    searches: [ok.example., -bad]\n    options: [{value: '1'}]\n", []string{
			"spec.dnsConfig.nameservers: Invalid value:",
			`spec.dnsConfig.nameservers[4]: Invalid value: "x": must be valid IP address`,
			`spec.dnsConfig.searches[1]: Invalid value: "-bad": a lowercase RFC 1123 subdomain`,
			"spec.dnsConfig.options[0].name: Required value",
		}},
		{"  subdomain: Sub_x\n  hostAliases:\n  - ip: 10.0.0.300\n    hostnames: [good.example, Bad_Name]\n", []string{
			`spec.subdomain: Invalid value: "Sub_x": a lowercase RFC 1123 label`,
			`spec.hostAliases[0].ip: Invalid value: "10.0.0.300": must be a valid IP address`,
			`spec.hostAliases[0].hostnames[1]: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain`,
		}},
	} {
		_, err := Decode([]byte(podYAML(tc.spec + ctr)))
		if err == nil {
			t.Errorf("%q: no error", tc.spec)
			continue
		}
		for _, w := range tc.want {
			if !hasLine(err.Error(), w) {
				t.Errorf("error\n%v\nhas no line starting with\n%s", err, w)
			}
		}
	}
	ok := "  hostNetwork: true\n  subdomain: sub\n  dnsPolicy: None\n  dnsConfig:\n    nameservers: [10.0.0.10, 'fd00::a']\n    searches: [a.example, .]\n" +
		"    options: [{name: ndots, value: '2'}, {name: edns0}]\n  hostAliases:\n  - ip: 10.1.2.3\n    hostnames: [foo.local, bar.local]\n"
	if _, err := Decode([]byte(podYAML(ok + ctr))); err != nil {
		t.Errorf("a valid pod: %v", err)
	}
}
