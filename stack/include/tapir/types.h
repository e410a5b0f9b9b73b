/*
 * types.h — the few plain types every tapir header shares: time, addresses.
 *
 * Time is injected (ARCHITECTURE.md, principle 1): the stack never reads a
 * clock. Programs pass the monotonic clock, tests pass a virtual one, both as
 * microseconds in a tapir_time.
 */
#ifndef TAPIR_TYPES_H
#define TAPIR_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Microseconds on whatever clock the caller drives the stack with. */
typedef int64_t tapir_time;

#define TAPIR_TIME_NEVER INT64_MAX
#define TAPIR_MS(ms)     ((tapir_time)(ms)*1000)
#define TAPIR_SECONDS(s) ((tapir_time)(s)*1000000)

/* An IPv4 address in host byte order: 10.0.0.2 is 0x0a000002. */
typedef uint32_t tapir_ip;

#define TAPIR_IP(a, b, c, d)                                                                       \
	(((tapir_ip)(a) << 24) | ((tapir_ip)(b) << 16) | ((tapir_ip)(c) << 8) | (tapir_ip)(d))
#define TAPIR_IP_BROADCAST 0xffffffffu

struct tapir_mac {
	uint8_t b[6];
};

/* Text forms, for logs and option parsing. Buffers of these sizes suffice. */
#define TAPIR_IP_STRLEN  16
#define TAPIR_MAC_STRLEN 18
void tapir_ip_format(tapir_ip ip, char out[TAPIR_IP_STRLEN]);
/* Returns 0, or -EINVAL when text is not a dotted quad. */
int tapir_ip_parse(const char *text, tapir_ip *out);
/* "10.0.0.2/24" -> address and prefix length; a missing "/N" means /32. */
int tapir_ip_prefix_parse(const char *text, tapir_ip *ip, unsigned *prefix);
void tapir_mac_format(struct tapir_mac mac, char out[TAPIR_MAC_STRLEN]);
int tapir_mac_parse(const char *text, struct tapir_mac *out);
bool tapir_mac_is_broadcast(struct tapir_mac mac);
bool tapir_mac_is_multicast(struct tapir_mac mac);

/* Error strings for the negative errno-style codes the library returns. */
const char *tapir_strerror(int err);

#endif /* TAPIR_TYPES_H */
