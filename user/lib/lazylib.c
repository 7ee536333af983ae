// SPDX-License-Identifier: BSD-3-Clause
/* lazylib.h: dlopen() and dlsym() of a library a command may not need. */
#include <dlfcn.h>
#include <errno.h>
#include "lazylib.h"
#include "log.h"

int lazy_open(const char *soname, const struct lazy_sym *syms, size_t n,
	      const char *what)
{
	void *h;
	size_t i;

	/* an earlier open serves: its symbols are in place */
	if (n && *syms[0].fn)
		return 0;
	h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		pr_err("%s needs %s: %s", what, soname, dlerror());
		return -ELIBACC;
	}
	for (i = 0; i < n; i++) {
		*syms[i].fn = dlsym(h, syms[i].name);
		if (!*syms[i].fn)
			goto err_sym;
	}
	return 0;
err_sym:
	pr_err("%s needs %s: it has no %s", what, soname, syms[i].name);
	while (i--)
		*syms[i].fn = NULL;
	dlclose(h);
	return -ELIBACC;
}
