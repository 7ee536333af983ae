// SPDX-License-Identifier: BSD-3-Clause
/*
 * The CoMo configuration file. Errors name the file and line and stop the
 * load: a monitor that guesses at a config it could not read is worse than
 * one that refuses to start.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "hostport.h"
#include "log.h"
#include "mod.h"
#include "names.h"
#include "units.h"

#define MAX_TOKENS	8

struct cfg_parser {
	const char *path;
	unsigned int line;
	struct como_config *cfg;
	struct como_modcfg *mod;	/* inside module ... end */
	char origin[512];
};

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		pr_err("out of memory");
		exit(1);
	}
	return d;
}

/* Splits a line into words and "quoted strings"; # starts a comment. */
static int tokenize(char *s, char **tok, int max)
{
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		if (!*s || *s == '#')
			return n;
		if (n == max)
			return -E2BIG;
		if (*s == '"') {
			char *d = ++s;

			tok[n++] = d;
			while (*s && *s != '"') {
				if (*s == '\\' && s[1])
					s++;
				*d++ = *s++;
			}
			if (*s != '"')
				return -EINVAL;
			s++;
			*d = '\0';
			if (*s && *s != ' ' && *s != '\t' && *s != '\r' &&
			    *s != '\n' && *s != '#')
				return -EINVAL;
			if (*s && *s != '#')
				s++;
			else if (*s == '#')
				*s = '\0';
			continue;
		}
		tok[n++] = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\r' &&
		       *s != '\n' && *s != '#')
			s++;
		if (*s == '#') {
			*s = '\0';
			return n;
		}
		if (*s)
			*s++ = '\0';
	}
}

static int perr(struct cfg_parser *p, const char *fmt, const char *arg)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, arg);
	pr_err("%s:%u: %s", p->path, p->line, msg);
	return -EINVAL;
}

static struct como_modcfg *mod_new(struct como_config *cfg, const char *name,
				   const char *origin)
{
	struct como_modcfg *m;

	m = realloc(cfg->mods, (cfg->nmods + 1) * sizeof(*m));
	if (!m) {
		pr_err("out of memory");
		exit(1);
	}
	cfg->mods = m;
	m = &cfg->mods[cfg->nmods++];
	memset(m, 0, sizeof(*m));
	m->name = xstrdup(name);
	m->source = xstrdup(name);
	m->streamsize = COMO_DEFAULT_STREAMSIZE;
	m->send_queue = COMO_DEFAULT_SEND_QUEUE;
	m->send_drain_ns = COMO_DEFAULT_SEND_DRAIN;
	m->origin = xstrdup(origin);
	return m;
}

static void modcfg_free(struct como_modcfg *m)
{
	free(m->name);
	free(m->source);
	free(m->filter);
	free(m->args);
	free(m->send_to);
	free((char *)m->origin);
}

/* The module just added goes again (its name was refused). */
static void config_drop_last(struct como_config *cfg)
{
	modcfg_free(&cfg->mods[--cfg->nmods]);
}

/* Adds WORDS to a module's args, space separated. */
static void args_append(struct como_modcfg *m, const char *words)
{
	size_t old = m->args ? strlen(m->args) : 0;
	char *a = realloc(m->args, old + strlen(words) + 2);

	if (!a) {
		pr_err("out of memory");
		exit(1);
	}
	if (old)
		a[old++] = ' ';
	strcpy(a + old, words);
	m->args = a;
}

/* An age of records to keep: a duration above 0. */
static int parse_retain(const char *s, uint64_t *ns)
{
	return parse_duration_ns(s, ns) || !*ns ? -EINVAL : 0;
}

/*
 * send-to, send-queue, send-drain: how the module's records are pushed.
 * 0, 1 when KEY is none of them, or -EINVAL with WHY said.
 */
static int send_option(struct como_modcfg *m, const char *key, const char *v,
		       char *why, size_t whysize)
{
	char host[HOSTPORT_HOST_MAX], bad[256];
	unsigned int port;

	if (!strcmp(key, "send-to")) {
		if (hostport_check(v, host, &port, bad, sizeof(bad))) {
			snprintf(why, whysize, "send-to %s", bad);
			return -EINVAL;
		}
		free(m->send_to);
		m->send_to = xstrdup(v);
	} else if (!strcmp(key, "send-queue")) {
		if (parse_u64(v, &m->send_queue) || !m->send_queue ||
		    m->send_queue > COMO_SEND_QUEUE_MAX) {
			snprintf(why, whysize, "bad send-queue '%s' (records, "
				 "1 to %llu)", v, COMO_SEND_QUEUE_MAX);
			return -EINVAL;
		}
	} else if (!strcmp(key, "send-drain")) {
		if (parse_duration_ns(v, &m->send_drain_ns) ||
		    m->send_drain_ns > 3600 * 1000000000ULL) {
			snprintf(why, whysize, "bad send-drain '%s' (a duration "
				 "up to 1h, e.g. 5s, 0)", v);
			return -EINVAL;
		}
	} else {
		return 1;
	}
	return 0;
}

static int module_line(struct cfg_parser *p, char **tok, int n)
{
	struct como_modcfg *m = p->mod;
	char why[512];
	int i;

	if (!strcmp(tok[0], "end")) {
		if (n != 1)
			return perr(p, "'end' takes no value%s", "");
		p->mod = NULL;
		return 0;
	}
	if (n < 2)
		return perr(p, "'%s' needs a value", tok[0]);
	i = n == 2 ? send_option(m, tok[0], tok[1], why, sizeof(why)) : 1;
	if (i < 0)
		pr_err("%s:%u: %s", p->path, p->line, why);
	if (i <= 0)
		return i;
	if (!strcmp(tok[0], "source") && n == 2) {
		free(m->source);
		m->source = xstrdup(tok[1]);
	} else if (!strcmp(tok[0], "filter") && n == 2) {
		free(m->filter);
		m->filter = xstrdup(tok[1]);
	} else if (!strcmp(tok[0], "args")) {
		for (i = 1; i < n; i++)
			args_append(m, tok[i]);
	} else if (!strcmp(tok[0], "streamsize") && n == 2) {
		if (parse_size(tok[1], &m->streamsize) || !m->streamsize)
			return perr(p, "bad streamsize '%s' (e.g. 64MB, 5GB)",
				    tok[1]);
	} else if (!strcmp(tok[0], "retain") && n == 2) {
		if (parse_retain(tok[1], &m->retain_ns))
			return perr(p, "bad retain '%s' (an age, e.g. 7d, 12h, "
				    "90s)", tok[1]);
	} else if (!strcmp(tok[0], "priority") && n == 2) {
		uint64_t v;

		if (parse_u64(tok[1], &v) || v > 255)
			return perr(p, "bad priority '%s' (0-255)", tok[1]);
		m->priority = v;
	} else if (!strcmp(tok[0], "source") || !strcmp(tok[0], "filter") ||
		   !strcmp(tok[0], "streamsize") || !strcmp(tok[0], "priority") ||
		   !strcmp(tok[0], "retain") || !strncmp(tok[0], "send-", 5)) {
		return perr(p, "'%s' takes one value", tok[0]);
	} else {
		return perr(p, "unknown keyword '%s' in a module block "
			    "(source, filter, args, streamsize, retain, "
			    "priority, send-to, send-queue, send-drain, end)",
			    tok[0]);
	}
	return 0;
}

static int top_line(struct cfg_parser *p, char **tok, int n)
{
	char why[256];

	if (!strcmp(tok[0], "module")) {
		if (n != 2)
			return perr(p, "'module' takes one name, as in "
				    "module \"topdest\"%s", "");
		if (como_name_check(tok[1], why, sizeof(why))) {
			pr_err("%s:%u: %s", p->path, p->line, why);
			return -EINVAL;
		}
		snprintf(p->origin, sizeof(p->origin), "%s:%u", p->path, p->line);
		p->mod = mod_new(p->cfg, tok[1], p->origin);
		return 0;
	}
	if (!strcmp(tok[0], "sniffer")) {
		if (n != 3)
			return perr(p, "'sniffer' takes a type and a source, "
				    "as in sniffer pcap \"trace.pcap\"%s", "");
		/* CoMo's names: pcap reads a file, libpcap an interface */
		if (!strcmp(tok[1], "pcap")) {
			free(p->cfg->trace);
			p->cfg->trace = xstrdup(tok[2]);
		} else if (!strcmp(tok[1], "xdp") || !strcmp(tok[1], "libpcap")) {
			free(p->cfg->ifaces);
			p->cfg->ifaces = xstrdup(tok[2]);
		} else {
			return perr(p, "unsupported sniffer type '%s' (pcap FILE, "
				    "or xdp IFACE[,IFACE...] for live capture)",
				    tok[1]);
		}
		if (p->cfg->trace && p->cfg->ifaces)
			return perr(p, "a trace or interfaces, not both%s", "");
		return 0;
	}
	if (!strcmp(tok[0], "datadir") || !strcmp(tok[0], "basedir")) {
		if (n != 2)
			return perr(p, "'%s' takes one directory", tok[0]);
		free(p->cfg->datadir);
		p->cfg->datadir = xstrdup(tok[1]);
		return 0;
	}
	if (!strcmp(tok[0], "budget")) {
		if (n != 2 || parse_size(tok[1], &p->cfg->budget) ||
		    !p->cfg->budget)
			return perr(p, "bad budget '%s': one size, e.g. 10GB",
				    n > 1 ? tok[1] : "");
		return 0;
	}
	if (!strcmp(tok[0], "http") || !strcmp(tok[0], "http-token-file")) {
		char **dst = tok[0][4] ? &p->cfg->http_token_file : &p->cfg->http;

		if (n != 2)
			return perr(p, "'%s' takes one value, as in http "
				    "\"127.0.0.1:44444\"", tok[0]);
		free(*dst);
		*dst = xstrdup(tok[1]);
		return 0;
	}
	if (!strcmp(tok[0], "modulepath")) {
		int err;

		if (n != 2)
			return perr(p, "'modulepath' takes one directory%s", "");
		err = mod_path_add(tok[1]);
		if (err == -EINVAL)
			return perr(p, "modulepath '%s': an absolute path, please",
				    tok[1]);
		if (err)
			return perr(p, "modulepath '%s': at most 4 directories, "
				    "of PATH_MAX", tok[1]);
		return 0;
	}
	if (!strcmp(tok[0], "end"))
		return perr(p, "'end' without 'module'%s", "");
	return perr(p, "unknown keyword '%s' (sniffer, datadir, budget, "
		    "modulepath, http, http-token-file, module)", tok[0]);
}

int config_load(struct como_config *cfg, const char *path)
{
	struct cfg_parser p = { .path = path, .cfg = cfg };
	char *line = NULL, *tok[MAX_TOKENS];
	/* a config is a page or two: a larger one is not read */
	const off_t size_max = 1 << 20;
	off_t size = 0, seen = 0;
	size_t cap = 0;
	ssize_t len;
	int n, err = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		pr_err("cannot open config %s: %s", path, strerror(errno));
		return err;
	}
	/* refused before a byte is read when it says its size */
	if (!fseeko(f, 0, SEEK_END))
		size = ftello(f);
	rewind(f);
	while (size <= size_max && (len = getline(&line, &cap, f)) >= 0) {
		p.line++;
		/* a pipe does not say: counted as it comes */
		seen += len;
		if (seen > size_max) {
			size = seen;
			break;
		}
		if ((size_t)len != strlen(line)) {
			err = perr(&p, "NUL byte in line%s", "");
			break;
		}
		n = tokenize(line, tok, MAX_TOKENS);
		if (n == -E2BIG) {
			err = perr(&p, "too many words on one line%s", "");
			break;
		}
		if (n < 0) {
			err = perr(&p, "unterminated or misplaced quote%s", "");
			break;
		}
		if (n == 0)
			continue;
		err = p.mod ? module_line(&p, tok, n) : top_line(&p, tok, n);
		if (err)
			break;
	}
	if (!err && size > size_max) {
		err = -EFBIG;
		pr_err("config %s: larger than %lld bytes (1 MiB)", path,
		       (long long)size_max);
	}
	if (!err && ferror(f)) {
		err = -EIO;
		pr_err("%s: read error", path);
	}
	if (!err && p.mod) {
		pr_err("%s: module \"%s\" has no 'end'", path, p.mod->name);
		err = -EINVAL;
	}
	free(line);
	fclose(f);
	return err;
}

/*
 * -m's ARG,...: the module's, but retain=AGE and the send-* ones, which
 * are its stream's.
 */
static int spec_args(struct como_modcfg *m, const char *list)
{
	char *dup = xstrdup(list), *save = NULL, *a, *eq, why[512];
	int err = 0, e;

	for (a = strtok_r(dup, ",", &save); a && !err;
	     a = strtok_r(NULL, ",", &save)) {
		eq = strchr(a, '=');
		if (eq && !strncmp(a, "send-", 5)) {
			*eq = '\0';
			e = send_option(m, a, eq + 1, why, sizeof(why));
			*eq = '=';
			if (e < 0) {
				pr_err("%s %s: %s", m->origin, m->name, why);
				err = -EINVAL;
				continue;
			}
			if (!e)
				continue;
		}
		if (strncmp(a, "retain=", 7)) {
			args_append(m, a);
		} else if (parse_retain(a + 7, &m->retain_ns)) {
			pr_err("%s %s: bad retain '%s' (an age, e.g. 7d, 12h, "
			       "90s)", m->origin, m->name, a + 7);
			err = -EINVAL;
		}
	}
	free(dup);
	return err;
}

int config_mod_args(struct como_modcfg *m, const char *name, const char *args)
{
	char *list, *c;
	int err;

	memset(m, 0, sizeof(*m));
	m->name = xstrdup(name);
	m->streamsize = COMO_DEFAULT_STREAMSIZE;
	m->send_queue = COMO_DEFAULT_SEND_QUEUE;
	m->send_drain_ns = COMO_DEFAULT_SEND_DRAIN;
	m->origin = xstrdup("module");
	if (!args || !*args)
		return 0;
	/* a load's arguments come split at spaces, -m's at commas */
	list = xstrdup(args);
	for (c = list; *c; c++)
		if (*c == ' ' || *c == '\t')
			*c = ',';
	err = spec_args(m, list);
	free(list);
	if (err)
		config_mod_free(m);
	return err;
}

void config_mod_free(struct como_modcfg *m)
{
	modcfg_free(m);
	memset(m, 0, sizeof(*m));
}

int config_add_spec(struct como_config *cfg, const char *spec)
{
	const char *colon = strchr(spec, ':');
	struct como_modcfg *m;
	char name[128], why[256], *c;

	if (!*spec || *spec == ':' || (colon ? (size_t)(colon - spec) : strlen(spec))
	    >= sizeof(name)) {
		pr_err("bad module '%s': expected NAME[:ARG,...]", spec);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "%.*s",
		 (int)(colon ? colon - spec : (long)strlen(spec)), spec);
	m = mod_new(cfg, name, "-m");
	/* a path names the instance by its file: /x/topdest.so -> topdest */
	if ((c = strrchr(m->name, '/'))) {
		memmove(m->name, c + 1, strlen(c));
		if ((c = strstr(m->name, ".so")) && !c[3])
			*c = '\0';
	}
	if (como_name_check(m->name, why, sizeof(why))) {
		pr_err("-m: %s", why);
		config_drop_last(cfg);
		return -EINVAL;
	}
	if (colon && colon[1] && spec_args(m, colon + 1)) {
		config_drop_last(cfg);
		return -EINVAL;
	}
	return 0;
}

int config_send_to(struct como_config *cfg, const char *spec)
{
	const char *eq = strchr(spec, '=');
	char why[512];
	unsigned int i;
	size_t n;

	if (!eq || eq == spec) {
		pr_err("--send-to '%s': expected MODULE=HOST:PORT", spec);
		return -EINVAL;
	}
	n = eq - spec;
	for (i = 0; i < cfg->nmods; i++)
		if (strlen(cfg->mods[i].name) == n &&
		    !strncmp(cfg->mods[i].name, spec, n))
			break;
	if (i == cfg->nmods) {
		pr_err("--send-to '%s': no module %.*s in this run", spec,
		       (int)n, spec);
		return -EINVAL;
	}
	if (send_option(&cfg->mods[i], "send-to", eq + 1, why, sizeof(why))) {
		pr_err("--send-to: %s", why);
		return -EINVAL;
	}
	return 0;
}

void config_clear_modules(struct como_config *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->nmods; i++)
		modcfg_free(&cfg->mods[i]);
	free(cfg->mods);
	cfg->mods = NULL;
	cfg->nmods = 0;
}

void config_free(struct como_config *cfg)
{
	config_clear_modules(cfg);
	free(cfg->trace);
	free(cfg->ifaces);
	free(cfg->datadir);
	free(cfg->http);
	free(cfg->http_token_file);
	memset(cfg, 0, sizeof(*cfg));
}
