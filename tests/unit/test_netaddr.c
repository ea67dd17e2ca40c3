/* Addresses as text: listeners, hosts, loopback. */
#include <netinet/in.h>

#include "testing.h"
#include "util/netaddr.h"

static void listen_addresses(void **state)
{
	static const char *const good[] = { "127.0.0.1:8470", "0.0.0.0:0", "[::1]:8470", "[::]:65535" };
	static const char *const bad[] = { "localhost:8470", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
					   "127.0.0.1:-1", "::1:8470", "[::1]", "[]:1", ":80", "1.2.3:80",
					   "127.0.0.1:80x", "127.0.0.1: 80", "127.0.0.1:+80" };
	struct sockaddr_storage a;

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (ll_parse_listen(good[i], &a) != 0)
			fail_msg("%s refused", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (ll_parse_listen(bad[i], &a) == 0)
			fail_msg("%s accepted", bad[i]);
	assert_int_equal(ll_parse_listen("[::1]:8470", &a), 0);
	assert_int_equal(a.ss_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&a)->sin6_port), 8470);
}

static void hosts_and_loopback(void **state)
{
	static const char *const loop[] = { "127.0.0.1", "127.255.0.9", "::1", "[::1]", "::ffff:127.0.0.1" };
	static const char *const other[] = { "10.0.0.1", "0.0.0.0", "::", "::2", "128.0.0.1", "::ffff:10.0.0.1" };
	struct sockaddr_storage a;

	(void)state;
	for (size_t i = 0; i < sizeof loop / sizeof loop[0]; i++) {
		assert_int_equal(ll_parse_host(loop[i], &a), 0);
		if (!ll_addr_is_loopback(&a))
			fail_msg("%s is loopback", loop[i]);
	}
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
		assert_int_equal(ll_parse_host(other[i], &a), 0);
		if (ll_addr_is_loopback(&a))
			fail_msg("%s is not loopback", other[i]);
	}
	assert_int_equal(ll_parse_host("localhost", &a), -1);
	assert_int_equal(ll_parse_host("127.attacker.example", &a), -1);
	assert_int_equal(ll_parse_host("", &a), -1);
	assert_int_equal(ll_parse_host("[]", &a), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(listen_addresses),
		cmocka_unit_test(hosts_and_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
