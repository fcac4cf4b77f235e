# SPDX-License-Identifier: GPL-2.0-only
# Debian packages the build, the tests and the VM need. Sourced.

DBF_PACKAGES=(
	meson ninja-build pkg-config gcc libc6-dev
	libfuse3-dev fuse3 libcap-dev libseccomp-dev libcriterion-dev
	coreutils findutils jq procps util-linux perl
	clang libclang-rt-14-dev
	# the BPF scanner: clang -target bpf builds it, bpftool its skeleton
	libbpf-dev bpftool
	qemu-system-x86 busybox-static cpio xz-utils
	# the service suite: a Debian package, its lint, a debootstrapped VM
	libsystemd-dev debhelper dpkg-dev lintian debootstrap qemu-utils e2fsprogs
	# the metrics suite: promtool and a real scrape, a browser for usage.svg,
	# python3 to read what they answer
	prometheus prometheus-node-exporter chromium python3
	# the kernel selftest's 32-bit build (gcc-multilib would conflict with
	# the arm64 cross compiler)
	gcc-i686-linux-gnu libc6-dev-i386-cross
)

# The arm64 build (scripts/cross) and suite: Debian's cross compiler (g++
# too, for meson env2mfile), the :arm64 libraries to link against, QEMU
# for aarch64. scripts/test installs them up front, so that no two suites
# running side by side call apt at once.
DBF_ARM64_PACKAGES=(
	gcc-aarch64-linux-gnu g++-aarch64-linux-gnu pkgconf:arm64 libc6-dev:arm64
	libfuse3-dev:arm64 libcap-dev:arm64 libseccomp-dev:arm64 libbpf-dev:arm64
	qemu-system-arm
)

# A kernel's build tools (kernel/build), beyond the packages above.
# scripts/test installs them up front, since the kernel suite runs beside
# others.
# pahole (dwarves) writes the kernel's BTF, which dmabuffs' BPF programs need.
DBF_KERNEL_PACKAGES=(make bc flex bison libelf-dev libssl-dev patch dwarves)

# Is $1 installed? A plain name means the native architecture's (or an
# arch: all package): with libsystemd-dev:arm64 installed, dpkg-query
# answers for it when asked for "libsystemd-dev".
dbf_installed() {
	local want=${1#*:}
	case $1 in *:*) ;; *) want=$(dpkg --print-architecture) ;; esac
	dpkg-query -W -f='${Architecture} ${Status}\n' "$1" 2>/dev/null |
		grep -Eq "^($want|all) install ok installed"
}

dbf_install_deps() {
	local missing=() p
	for p in "${DBF_PACKAGES[@]}" "$@"; do
		dbf_installed "$p" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "dmabuffs: missing packages (run as root to install): ${missing[*]}" >&2
		return 1
	fi
	# Packages of another architecture (name:arch) need it in dpkg first.
	for p in "${missing[@]}"; do
		case $p in *:*) ;; *) continue ;; esac
		dpkg --print-foreign-architectures | grep -qx "${p#*:}" ||
			dpkg --add-architecture "${p#*:}" || return 1
	done
	echo "installing: ${missing[*]}"
	apt-get update -qq >/dev/null &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends "${missing[@]}" >/dev/null
}
