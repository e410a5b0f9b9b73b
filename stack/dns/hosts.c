/*
 * hosts.c — the static hosts table, the resolver's /etc/hosts: names given
 * by the application, checked before the cache and the network for A
 * lookups (glibc's "files" before "dns" in nsswitch.conf).
 */
#include <errno.h>

#include "dns_internal.h"

int tapir_dns_add_host(struct tapir_dns *dns, const char *name, tapir_ip ip)
{
	struct dns_name wire;
	struct hosts_entry *free_slot = NULL;

	if (dns_name_from_text(name, &wire) < 0)
		return -EINVAL;
	for (int i = 0; i < TAPIR_DNS_HOSTS_MAX; i++) {
		struct hosts_entry *e = &dns->hosts[i];

		if (e->used && dns_name_equal(&e->name, &wire)) {
			e->ip = ip; /* a second entry for a name replaces the first */
			return 0;
		}
		if (!e->used && !free_slot)
			free_slot = e;
	}
	if (!free_slot)
		return -ENOSPC;
	free_slot->used = true;
	free_slot->name = wire;
	free_slot->ip = ip;
	return 0;
}

bool dns_hosts_lookup(const struct tapir_dns *dns, const struct dns_name *name, tapir_ip *ip)
{
	for (int i = 0; i < TAPIR_DNS_HOSTS_MAX; i++) {
		const struct hosts_entry *e = &dns->hosts[i];

		if (e->used && dns_name_equal(&e->name, name)) {
			*ip = e->ip;
			return true;
		}
	}
	return false;
}
