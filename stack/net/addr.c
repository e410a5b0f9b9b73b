/*
 * addr.c — text forms of IPv4 and MAC addresses, and error strings.
 *
 * Used by option parsing in the apps and by the trace sinks. Parsing is
 * strict: "10.0.0.2" and "02:54:41:50:00:02", nothing looser.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tapir/types.h"

void tapir_ip_format(tapir_ip ip, char out[TAPIR_IP_STRLEN])
{
	snprintf(out, TAPIR_IP_STRLEN, "%u.%u.%u.%u", (unsigned)(ip >> 24) & 0xff,
	         (unsigned)(ip >> 16) & 0xff, (unsigned)(ip >> 8) & 0xff, (unsigned)ip & 0xff);
}

/* Read a decimal number of at most 3 digits and at most max; advance *p. */
static int parse_small_number(const char **p, unsigned max, unsigned *out)
{
	unsigned value = 0;
	int digits = 0;

	while (**p >= '0' && **p <= '9' && digits < 3) {
		value = value * 10 + (unsigned)(**p - '0');
		(*p)++;
		digits++;
	}
	if (digits == 0 || value > max || (**p >= '0' && **p <= '9'))
		return -EINVAL;
	*out = value;
	return 0;
}

static int parse_dotted_quad(const char **p, tapir_ip *out)
{
	tapir_ip ip = 0;

	for (int i = 0; i < 4; i++) {
		unsigned octet;

		if (i > 0) {
			if (**p != '.')
				return -EINVAL;
			(*p)++;
		}
		if (parse_small_number(p, 255, &octet) < 0)
			return -EINVAL;
		ip = (ip << 8) | octet;
	}
	*out = ip;
	return 0;
}

int tapir_ip_parse(const char *text, tapir_ip *out)
{
	tapir_ip ip;

	if (!text || parse_dotted_quad(&text, &ip) < 0 || *text != '\0')
		return -EINVAL;
	*out = ip;
	return 0;
}

int tapir_ip_prefix_parse(const char *text, tapir_ip *ip, unsigned *prefix)
{
	tapir_ip addr;
	unsigned len = 32;

	if (!text || parse_dotted_quad(&text, &addr) < 0)
		return -EINVAL;
	if (*text == '/') {
		text++;
		if (parse_small_number(&text, 32, &len) < 0)
			return -EINVAL;
	}
	if (*text != '\0')
		return -EINVAL;
	*ip = addr;
	*prefix = len;
	return 0;
}

void tapir_mac_format(struct tapir_mac mac, char out[TAPIR_MAC_STRLEN])
{
	snprintf(out, TAPIR_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac.b[0], mac.b[1],
	         mac.b[2], mac.b[3], mac.b[4], mac.b[5]);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int tapir_mac_parse(const char *text, struct tapir_mac *out)
{
	struct tapir_mac mac;

	if (!text || strlen(text) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hex_digit(text[i * 3]);
		int lo = hex_digit(text[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && text[i * 3 + 2] != ':'))
			return -EINVAL;
		mac.b[i] = (uint8_t)(hi * 16 + lo);
	}
	*out = mac;
	return 0;
}

bool tapir_mac_is_broadcast(struct tapir_mac mac)
{
	for (int i = 0; i < 6; i++)
		if (mac.b[i] != 0xff)
			return false;
	return true;
}

bool tapir_mac_is_multicast(struct tapir_mac mac)
{
	return (mac.b[0] & 1) != 0;
}

const char *tapir_strerror(int err)
{
	if (err >= 0)
		return "success";
	switch (-err) {
	case ENODEV:
		return "no such network device in this namespace";
	case ETIMEDOUT:
		return "timed out";
	case ECONNREFUSED:
		return "connection refused";
	case ECONNRESET:
		return "connection reset by peer";
	default:
		return strerror(-err);
	}
}
