# SPDX-License-Identifier: BSD-3-Clause
# What the tests that plug the software key in share (sourced).

# fido2_test_needs TOOL...: exits 77 (SKIP) unless root, in a build without
# sanitizers, with every TOOL on PATH.  softkey.so goes into
# /etc/ld.so.preload ahead of everything, and a sanitizer build's programs
# need their runtime first (the build without sanitizers runs these tests).
fido2_test_needs() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: needs root"
		exit 77
	fi
	if [ -n "${VIGIL_ASAN_PRELOAD:-}" ]; then
		echo "SKIP: the software key cannot be preloaded into a sanitizer build"
		exit 77
	fi
	for _t in "$@"; do
		if ! command -v "$_t" >/dev/null 2>&1; then
			echo "SKIP: $_t not found (scripts/deps.sh --test)"
			exit 77
		fi
	done
}
