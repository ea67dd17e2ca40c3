/*
 * leadledger connect --site ID --provider NAME [--paste]: connect an OAuth
 * integration (provider/oauth.h).  Prints the CRM's consent URL with a
 * single-use state, then takes the code from the CRM's redirect: on the
 * redirect URI itself when it is a loopback address (a one-request
 * listener, ten minutes at most), or from the redirected URL pasted on
 * standard input (--paste, or any other redirect URI).  The code is
 * exchanged and the refresh token stored through the vault; no secret is
 * printed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/cli.h"
#include "provider/connect.h"
#include "provider/oauth.h"
#include "store/registry.h"
#include "util/log.h"
#include "util/timeutil.h"

#define REQUEST_MAX 8192

/* The decoded value of key in a query string ("a=1&b=2"), into out. */
static int query_value(const char *query, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);

	for (const char *p = query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		size_t o = 0;

		if (strncmp(p, key, klen) != 0 || p[klen] != '=')
			continue;
		for (p += klen + 1; *p && *p != '&' && *p != ' ' && *p != '#' && o + 1 < len; p++) {
			if (*p == '%' && p[1] && p[2]) {
				char hex[3] = { p[1], p[2], '\0' };

				out[o++] = (char)strtol(hex, NULL, 16);
				p += 2;
			} else {
				out[o++] = *p == '+' ? ' ' : *p;
			}
		}
		out[o] = '\0';
		return 1;
	}
	out[0] = '\0';
	return 0;
}

/* http://127.0.0.1:PORT/path or http://localhost:PORT/path: the port and
 * path to listen on, or 0 when the redirect goes elsewhere. */
static int loopback_redirect(const char *uri, int *port, char *path, size_t len)
{
	const char *rest;
	char *end;
	long p;

	if (strncmp(uri, "http://127.0.0.1:", 17) == 0)
		rest = uri + 17;
	else if (strncmp(uri, "http://localhost:", 17) == 0)
		rest = uri + 17;
	else
		return 0;
	p = strtol(rest, &end, 10);
	if (p < 1 || p > 65535 || (*end && *end != '/'))
		return 0;
	*port = (int)p;
	snprintf(path, len, "%s", *end ? end : "/");
	return 1;
}

static void reply(int fd, const char *status, const char *text)
{
	char buf[1024];
	int n = snprintf(buf, sizeof buf, "HTTP/1.1 %s\r\nContent-Type: text/html; charset=utf-8\r\n"
			 "Cache-Control: no-store\r\nConnection: close\r\n\r\n<!doctype html>"
			 "<title>leadledger</title><p>%s</p>\n", status, text);

	if (n > 0 && write(fd, buf, (size_t)n) < 0)
		return;
}

/* Wait (ten minutes at most) for the CRM's redirect to path on port, and
 * copy its query string: 0, or -1 with the error printed. */
static int receive_redirect(int port, const char *path, char *query, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int64_t deadline = ll_monotonic_ms() + LL_OAUTH_STATE_TTL_S * 1000;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, rc = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 4) < 0) {
		ll_error("cannot listen on 127.0.0.1:%d for the redirect: %s (use --paste)", port,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (rc < 0 && ll_monotonic_ms() < deadline) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		char req[REQUEST_MAX];
		ssize_t n = 0, got;
		int c;

		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		/* One request line is all we read, within a few seconds. */
		while (n < (ssize_t)sizeof req - 1 && !memchr(req, '\n', (size_t)n)) {
			struct pollfd cp = { c, POLLIN, 0 };

			if (poll(&cp, 1, 5000) <= 0 || (got = read(c, req + n, sizeof req - 1 - (size_t)n)) <= 0)
				break;
			n += got;
		}
		req[n] = '\0';
		if (strncmp(req, "GET ", 4) == 0 && strncmp(req + 4, path, strlen(path)) == 0 &&
		    (req[4 + strlen(path)] == '?' || req[4 + strlen(path)] == ' ')) {
			const char *q = req + 4 + strlen(path);

			snprintf(query, len, "%.*s", *q == '?' ? (int)strcspn(q + 1, " \r\n") : 0,
				 *q == '?' ? q + 1 : "");
			reply(c, "200 OK", "leadledger received the authorization; this tab can be closed.");
			rc = 0;
		} else {
			reply(c, "404 Not Found", "Not the authorization redirect.");
		}
		close(c);
	}
	close(fd);
	if (rc < 0)
		ll_error("no redirect arrived within %d minutes", LL_OAUTH_STATE_TTL_S / 60);
	return rc;
}

/* The redirected URL pasted on standard input: its query string. */
static int read_pasted(char *query, size_t len)
{
	char line[REQUEST_MAX];
	const char *q;

	fprintf(stderr, "Paste the address the browser was sent to after consenting, then "
		"press Enter:\n");
	if (!fgets(line, sizeof line, stdin)) {
		ll_error("no address on standard input");
		return -1;
	}
	line[strcspn(line, "\r\n")] = '\0';
	q = strchr(line, '?');
	snprintf(query, len, "%s", q ? q + 1 : "");
	return 0;
}

static int connect_integration(struct ll_cli *cli, const struct ll_site_conf *site,
			       const char *provider, int paste)
{
	struct ll_connect_env env = { &cli->app.cfg, &cli->app.providers, cli->app.keyring,
				      &cli->app.db };
	char url[4096], query[REQUEST_MAX], code[2048], state[256], path[512], who[300], want[300];
	char err[1024];
	const char *redirect = NULL;
	int port = 0, got;

	if (ll_connect_begin(&env, site, provider, url, sizeof url, &redirect, err, sizeof err) < 0) {
		ll_error("%s", err);
		return LL_EXIT_RUNTIME;
	}
	printf("Open this address in a browser and allow leadledger to read %s:\n%s\n", provider,
	       url);
	fflush(stdout);
	if (!paste && redirect && loopback_redirect(redirect, &port, path, sizeof path)) {
		fprintf(stderr, "Waiting for the redirect to %s ...\n", redirect);
		got = receive_redirect(port, path, query, sizeof query);
	} else {
		got = read_pasted(query, sizeof query);
	}
	if (got < 0)
		return LL_EXIT_RUNTIME;
	query_value(query, "code", code, sizeof code);
	query_value(query, "state", state, sizeof state);
	snprintf(want, sizeof want, "%s/%s", site->id, provider);
	if (ll_connect_finish(&env, state, code, who, sizeof who, err, sizeof err) < 0 ||
	    strcmp(who, want) != 0) {
		ll_error("%s: %s", want, who[0] && strcmp(who, want) ? "the redirect was for another "
			 "integration" : err);
		return LL_EXIT_RUNTIME;
	}
	printf("%s: connected\n", who);
	return LL_EXIT_OK;
}

int ll_cmd_connect(struct ll_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "provider", required_argument, NULL, 'p' },
		{ "paste", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ll_site_conf *site;
	const char *site_id = NULL, *provider = NULL;
	char err[1024];
	int c, rc, paste = 0;

	while ((c = getopt_long(argc, argv, "s:p:P", opts, NULL)) != -1) {
		if (c == 's')
			site_id = optarg;
		else if (c == 'p')
			provider = optarg;
		else if (c == 'P')
			paste = 1;
		else
			return LL_EXIT_USAGE;
	}
	if (optind != argc || !site_id || !provider)
		return LL_EXIT_USAGE;
	if ((rc = ll_cli_need_db(cli)) || (rc = ll_app_load_keyring(&cli->app)) ||
	    (rc = ll_app_check_schema(&cli->app, NULL)) || (rc = ll_cli_site(cli, site_id, &site)))
		return rc;
	if (!ll_connect_possible(&(struct ll_connect_env){ &cli->app.cfg, &cli->app.providers,
							   cli->app.keyring, &cli->app.db },
				 site, provider)) {
		ll_error("site '%s' has no %s integration to connect in %s (a provider with OAuth "
			 "consent, such as jobber)", site_id, provider, cli->config_path);
		return LL_EXIT_USAGE;
	}
	if (ll_registry_reconcile(&cli->app.db, &cli->app.cfg, err, sizeof err) < 0) {
		ll_error("registry: %s", err);
		return LL_EXIT_RUNTIME;
	}
	return connect_integration(cli, site, provider, paste);
}
