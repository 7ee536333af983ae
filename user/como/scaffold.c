// SPDX-License-Identifier: BSD-3-Clause
/*
 * como module new NAME [DIR]: writes a module's folder from the templates
 * of share/scaffold/ (embedded at build time), NAME put in for @NAME@.
 * What it writes builds, loads and passes its own test unchanged, inside
 * como's tree (modules/NAME/) and outside it, against the installed
 * headers. Nothing that exists is overwritten.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <como/name.h>
#include "como.h"
#include "log.h"

struct scaffold_file {
	const char *name;	/* in share/scaffold/ */
	const char *text;
};

#include "scaffold_files.h"

/*
 * NAME is an instance name (include/como/name.h) and also the stem of C
 * identifiers (NAME_update, NAME_bpf__elf_bytes) and of make targets:
 * a letter or '_', then letters, digits and '_'.
 */
static int name_check(const char *name)
{
	enum como_name_fault f;
	unsigned int at, i;

	f = como_name_fault(name, &at);
	if (f != COMO_NAME_OK) {
		pr_err("module new: name '%s' %s (a name is %s)", name,
		       como_name_fault_str(f), COMO_NAME_RULE);
		return -EINVAL;
	}
	for (i = 0; name[i]; i++)
		if (!(isalpha((unsigned char)name[i]) || name[i] == '_' ||
		      (i && isdigit((unsigned char)name[i]))))
			break;
	if (name[i]) {
		pr_err("module new: name '%s': '%c' at %u cannot be in a C "
		       "identifier (a module's name is a letter or _, then "
		       "letters, digits and _)", name, name[i], i + 1);
		return -EINVAL;
	}
	return 0;
}

/* The file's name in the module's folder: module.* becomes NAME.* */
static void out_name(char *buf, size_t size, const char *tmpl,
		     const char *name)
{
	if (!strncmp(tmpl, "module.", 7))
		snprintf(buf, size, "%s.%s", name, tmpl + 7);
	else
		snprintf(buf, size, "%s", tmpl);
}

/* TEXT with @NAME@ and @NAME_UPPER@ replaced, written to FD. */
static int put_text(int fd, const char *text, const char *name)
{
	char upper[COMO_NAME_LEN + 1];
	const char *p = text, *at, *val;
	size_t i, len, skip;
	FILE *f;

	for (i = 0; name[i] && i < COMO_NAME_LEN; i++)
		upper[i] = toupper((unsigned char)name[i]);
	upper[i] = '\0';
	f = fdopen(fd, "w");
	if (!f)
		return -errno;
	while ((at = strchr(p, '@'))) {
		if (!strncmp(at, "@NAME@", 6)) {
			val = name;
			skip = 6;
		} else if (!strncmp(at, "@NAME_UPPER@", 12)) {
			val = upper;
			skip = 12;
		} else {
			val = "@";
			skip = 1;
		}
		len = at - p;
		fwrite(p, 1, len, f);
		fputs(val, f);
		p = at + skip;
	}
	fputs(p, f);
	if (ferror(f) | fclose(f))
		return -EIO;
	return 0;
}

/* DIR, made 0755 whatever the umask (comod loads from no other). */
static int dir_make(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755)) {
		if (errno != EEXIST || stat(dir, &st) || !S_ISDIR(st.st_mode)) {
			pr_err("module new: cannot make %s: %s", dir,
			       strerror(errno == EEXIST ? ENOTDIR : errno));
			return -errno;
		}
	} else if (chmod(dir, 0755)) {
		pr_err("module new: %s: %s", dir, strerror(errno));
		return -errno;
	}
	return 0;
}

int scaffold_new(const char *name, const char *dir)
{
	char path[4096], file[128];
	unsigned int i, n = sizeof(scaffold_files) / sizeof(scaffold_files[0]);
	int fd, err;

	if (name_check(name))
		return 1;
	if (!dir)
		dir = name;
	if (strlen(dir) > sizeof(path) - sizeof(file) - 2) {
		pr_err("module new: %.64s...: path too long", dir);
		return 1;
	}
	/* refused before anything is written: no half-made folder */
	for (i = 0; i < n; i++) {
		out_name(file, sizeof(file), scaffold_files[i].name, name);
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		if (!access(path, F_OK)) {
			pr_err("module new: %s exists; nothing written", path);
			return 1;
		}
	}
	if (dir_make(dir))
		return 1;
	for (i = 0; i < n; i++) {
		out_name(file, sizeof(file), scaffold_files[i].name, name);
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
			  O_NOFOLLOW, 0644);
		if (fd < 0) {
			pr_err("module new: cannot write %s: %s", path,
			       strerror(errno));
			return 1;
		}
		/* the test is run as it is; 0755 whatever the umask */
		if (fchmod(fd, strcmp(file, "test.t") ? 0644 : 0755)) {
			err = -errno;
			close(fd);
			goto err_write;
		}
		err = put_text(fd, scaffold_files[i].text, name);
		if (err)
			goto err_write;
	}
	printf("wrote module %s in %s/: %s.h %s.bpf.c %s.c Makefile test.t "
	       "README.md\n"
	       "next: cd %s && make && sudo ./test.t\n", name, dir, name,
	       name, name, dir);
	return 0;

err_write:
	pr_err("module new: cannot write %s: %s", path, strerror(-err));
	return 1;
}
