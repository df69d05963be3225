/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * softkey.so: the preload shim.  Tests list it in /etc/ld.so.preload inside
 * a private mount namespace, so it lands in every process there (shells,
 * sudo, sshd, the PAM helper spawned with a clean environment); it must do
 * nothing in a process that does not use libfido2.  Hence: it links libc
 * only (libfido2 is found with dlsym at the moment a program calls it), has
 * no constructor, and loads the device model -- softkey-dev.so, beside this
 * file, which links libcrypto and libcbor -- only when a libfido2 user
 * lists or opens the soft key.
 *
 * Interposed: fido_dev_info_manifest (the soft key is listed first, path
 * "softkey:0", while its state file exists; then whatever real devices
 * libfido2 finds),
 * fido_dev_open and fido_dev_new_with_info (for a "softkey:" path the
 * device gets the soft key's I/O functions, which also makes libfido2 treat
 * it as a custom device with 64-byte reports).
 */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <fido.h>

#define SOFTKEY_PATH "softkey:0"

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static fido_dev_io_t dev_io; /* written once, under load_once */
static int dev_io_ok;

static void load(void)
{
	Dl_info info;
	char path[PATH_MAX];
	const char *slash;
	void *lib;

	if (dladdr((void *)load, &info) == 0 || info.dli_fname == NULL ||
	    (slash = strrchr(info.dli_fname, '/')) == NULL)
		return;
	if (snprintf(path, sizeof(path), "%.*s/softkey-dev.so", (int)(slash - info.dli_fname), info.dli_fname) >=
	    (int)sizeof(path))
		return;
	if ((lib = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "softkey: %s\n", dlerror());
		return;
	}
	dev_io.open = (fido_dev_io_open_t *)dlsym(lib, "softkey_io_open");
	dev_io.close = (fido_dev_io_close_t *)dlsym(lib, "softkey_io_close");
	dev_io.read = (fido_dev_io_read_t *)dlsym(lib, "softkey_io_read");
	dev_io.write = (fido_dev_io_write_t *)dlsym(lib, "softkey_io_write");
	dev_io_ok = dev_io.open != NULL && dev_io.close != NULL && dev_io.read != NULL && dev_io.write != NULL;
}

static const fido_dev_io_t *io(void)
{
	pthread_once(&load_once, load);
	return dev_io_ok ? &dev_io : NULL;
}

static int is_softkey(const char *path)
{
	return path != NULL && strncmp(path, "softkey:", 8) == 0;
}

/* Gives dev the soft key's I/O; libfido2 then sends 65-byte reports (a
 * report id, then 64) and reads 64. */
static int plug(fido_dev_t *dev)
{
	int (*set_io)(fido_dev_t *, const fido_dev_io_t *) =
	    (int (*)(fido_dev_t *, const fido_dev_io_t *))dlsym(RTLD_DEFAULT, "fido_dev_set_io_functions");
	const fido_dev_io_t *p = io();

	if (set_io == NULL || p == NULL)
		return FIDO_ERR_INTERNAL;
	return set_io(dev, p);
}

int fido_dev_info_manifest(fido_dev_info_t *devlist, size_t ilen, size_t *olen)
{
	int (*real)(fido_dev_info_t *, size_t, size_t *) =
	    (int (*)(fido_dev_info_t *, size_t, size_t *))dlsym(RTLD_NEXT, "fido_dev_info_manifest");
	int (*set)(fido_dev_info_t *, size_t, const char *, const char *, const char *, const fido_dev_io_t *,
	           const fido_dev_transport_t *) =
	    (int (*)(fido_dev_info_t *, size_t, const char *, const char *, const char *, const fido_dev_io_t *,
	             const fido_dev_transport_t *))dlsym(RTLD_DEFAULT, "fido_dev_info_set");
	const fido_dev_info_t *(*at)(const fido_dev_info_t *, size_t) =
	    (const fido_dev_info_t *(*)(const fido_dev_info_t *, size_t))dlsym(RTLD_DEFAULT, "fido_dev_info_ptr");
	const fido_dev_io_t *p = io();
	size_t n = 0, m = 0;
	void *h;
	int r;

	if (real == NULL || set == NULL || at == NULL)
		return FIDO_ERR_INTERNAL;
	/* Listed only while its state file is there (open checks): removing
	 * the file unplugs the key. */
	if (ilen > 0 && p != NULL && (h = p->open(SOFTKEY_PATH)) != NULL) {
		p->close(h);
		if (set(devlist, 0, SOFTKEY_PATH, "Vigil", "softkey", p, NULL) == FIDO_OK)
			n = 1;
	}
	/* The rest of the array belongs to libfido2's own scan. */
	r = real((fido_dev_info_t *)(uintptr_t)at(devlist, n), ilen - n, &m);
	*olen = n + m;
	return r;
}

int fido_dev_open(fido_dev_t *dev, const char *path)
{
	int (*real)(fido_dev_t *, const char *) =
	    (int (*)(fido_dev_t *, const char *))dlsym(RTLD_NEXT, "fido_dev_open");
	int r;

	if (real == NULL)
		return FIDO_ERR_INTERNAL;
	if (is_softkey(path) && (r = plug(dev)) != FIDO_OK)
		return r;
	return real(dev, path);
}

fido_dev_t *fido_dev_new_with_info(const fido_dev_info_t *di)
{
	fido_dev_t *(*real)(const fido_dev_info_t *) =
	    (fido_dev_t * (*)(const fido_dev_info_t *)) dlsym(RTLD_NEXT, "fido_dev_new_with_info");
	const char *(*path)(const fido_dev_info_t *) =
	    (const char *(*)(const fido_dev_info_t *))dlsym(RTLD_DEFAULT, "fido_dev_info_path");
	void (*dev_free)(fido_dev_t **) = (void (*)(fido_dev_t **))dlsym(RTLD_DEFAULT, "fido_dev_free");
	fido_dev_t *dev;

	if (real == NULL || path == NULL || dev_free == NULL || (dev = real(di)) == NULL)
		return NULL;
	/* Without this libfido2 would take the soft key for a hidraw device
	 * (no transport functions: not "custom") and ask hid.c for its
	 * report sizes through our handle. */
	if (is_softkey(path(di)) && plug(dev) != FIDO_OK)
		dev_free(&dev);
	return dev;
}
