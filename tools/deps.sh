#!/bin/sh
# Install what como needs to build, test and benchmark, from Debian's
# archive only. Idempotent: does nothing when everything is present.
set -eu

# build: clang/llvm for BPF, bpftool for vmlinux.h and skeletons
# libraries: libbpf (loading), libpcap (traces), json-c (JSON), libdeflate (CRC-32),
#            libnl-genl (the control messages of comod and como.ko),
#            libxdp (joining libxdp's multi-program dispatcher),
#            libmicrohttpd (comod's HTTP query server), libcurl (como query
#            --server)
# kernel: linux-headers-amd64 (make kmod builds como.ko against it)
# tests: libclang-rt-14-dev (libFuzzer), tshark and perl (oracles, JSON),
#        wireshark-common (text2pcap: the trace of a new module's test.t),
#        tcpreplay (live capture on a veth pair), xdp-tools (xdp-loader,
#        xdp-filter: another XDP program beside como's),
#        qemu-system-x86, linux-image-amd64, busybox-static (tools/vmtest:
#        kernel tests in a Debian 6.1 guest)
#        curl and prometheus (promtool; a real scrape): tests/http.t
#        gnuplot-nox (runs the scripts of como query -f gnuplot): tests/cli.t
#        strace (counts the bytes of the index a query reads): tests/storage-index.t
# bench: pmacct, tshark and nfdump (nfpcapd) are the peers
pkgs="make clang llvm gcc libc6-dev pkg-config libbpf-dev libelf-dev zlib1g-dev libdeflate-dev
      libpcap-dev libjson-c-dev bpftool libclang-rt-14-dev iproute2 perl
      tshark pmacct tcpreplay qemu-system-x86 linux-image-amd64
      busybox-static libnl-3-dev libnl-genl-3-dev linux-headers-amd64
      libxdp-dev xdp-tools wireshark-common libmicrohttpd-dev libcurl4-openssl-dev curl prometheus nfdump
      gnuplot-nox strace"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; the answer does not matter here.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
