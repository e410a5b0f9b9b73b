/*
 * tap.c — a Linux TAP device as a tapir link.
 *
 * A TAP device is a virtual Ethernet card whose "wire" is a file descriptor:
 * every frame the kernel sends out of the device can be read() from
 * /dev/net/tun, and every frame we write() there arrives at the kernel as if
 * it came in on the wire. We attach with the TUNSETIFF ioctl, asking for
 * IFF_TAP (Ethernet frames, not bare IP packets) and IFF_NO_PI (no extra
 * 4-byte packet-information header in front of each frame). See the kernel's
 * Documentation/networking/tuntap.rst.
 *
 * With offload asked for (struct tapir_tap_options), we also ask for
 * IFF_VNET_HDR: every frame then travels behind a 10-byte struct
 * virtio_net_hdr, the same header a virtual machine's network card uses.
 * For an ordinary frame it is all zeroes. For a TCP super-segment it says
 * "cut this into gso_size-byte segments (VIRTIO_NET_HDR_GSO_TCPV4) and
 * finish the checksum from csum_start (VIRTIO_NET_HDR_F_NEEDS_CSUM)", and
 * the kernel takes up to 64 KiB of TCP in one write(). TUNSETOFFLOAD tells
 * the kernel that we can do the same the other way (TUN_F_CSUM, TUN_F_TSO4):
 * it then hands us TCP super-segments and frames whose checksum it left
 * for us, and we finish those checksums here, so the layers above always
 * see complete ones.
 *
 * TUNSETIFF creates the device when it does not exist. tapir never wants
 * that — the lab network (scripts/netns.sh) makes the device and gives it an
 * address — so we check that it exists first and refuse with -ENODEV.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tapir/link.h"
#include "tapir/options.h"
#include "wire/checksum.h"

#define ETH_HEADER_LEN 14
/* The offsets TSO needs: the IPv4 header follows Ethernet, and the TCP
 * checksum is 16 bytes into the TCP header. */
#define IPV4_IHL_OFFSET       ETH_HEADER_LEN
#define TCP_DATA_OFFSET_FIELD 12
#define TCP_CHECKSUM_FIELD    16
#define IP_MAX_DATAGRAM       65535
/* Big enough for any frame the kernel can hand us (a super-segment is a
 * whole IP datagram behind Ethernet), so we always learn a frame's full
 * length even when the caller's buffer is smaller. */
#define TAP_SCRATCH_SIZE (ETH_HEADER_LEN + IP_MAX_DATAGRAM)

struct tap_link {
	struct tapir_link base; /* first member: a tap_link is a tapir_link */
	int fd;
	bool vnet_hdr; /* frames travel behind a struct virtio_net_hdr */
	uint8_t scratch[TAP_SCRATCH_SIZE];
};

static struct tap_link *tap_from_link(struct tapir_link *link)
{
	return (struct tap_link *)link;
}

/* What we tell the kernel we can take: unfinished checksums and TCP
 * super-segments, or (0) only finished, wire-size frames. The setting stays
 * with the device after we close it, so it is made on every attach (a
 * program before us may have left offloads on, and a reader without
 * virtio-net headers could not tell an unfinished checksum) and undone on
 * close. */
static int tap_set_offload(int fd, bool on)
{
	unsigned long flags = on ? (unsigned long)(TUN_F_CSUM | TUN_F_TSO4) : 0;

	return ioctl(fd, TUNSETOFFLOAD, flags) < 0 ? -errno : 0;
}

/* Finish a checksum the kernel left to us (VIRTIO_NET_HDR_F_NEEDS_CSUM):
 * the field at csum_start + csum_offset holds the pseudo-header sum, and
 * the checksum covers everything from csum_start to the end of the frame.
 * Returns false when the offsets point outside the frame. */
static bool tap_finish_checksum(const struct virtio_net_hdr *hdr, uint8_t *frame, size_t len)
{
	size_t start = le16toh(hdr->csum_start);
	size_t field = start + le16toh(hdr->csum_offset);
	uint16_t sum;

	if (start >= len || field + 2 > len)
		return false;
	sum = checksum(frame + start, len - start);
	frame[field] = (uint8_t)(sum >> 8);
	frame[field + 1] = (uint8_t)sum;
	return true;
}

/* Read one frame behind its virtio-net header into buf (cap bytes). */
static ssize_t tap_read_vnet(struct tap_link *tap, uint8_t *buf, size_t cap)
{
	struct virtio_net_hdr hdr;
	struct iovec iov[2] = {{&hdr, sizeof(hdr)}, {buf, cap}};
	ssize_t n = readv(tap->fd, iov, 2);

	if (n < 0)
		return n;
	if (n < (ssize_t)sizeof(hdr))
		return 0;
	n -= (ssize_t)sizeof(hdr);
	tap->base.rx_tso_mss = hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE ? le16toh(hdr.gso_size) : 0;
	if ((hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && (size_t)n <= cap &&
	    !tap_finish_checksum(&hdr, buf, (size_t)n))
		return 0; /* nonsense offsets from the kernel: drop the frame */
	return n;
}

/* Read one frame if the kernel has one; never blocks. A buffer big enough
 * for any frame is read into directly; a smaller one gets a copy of what
 * fits, and the frame's full length is returned. */
static int tap_recv(struct tapir_link *link, uint8_t *buf, size_t cap, tapir_time now)
{
	struct tap_link *tap = tap_from_link(link);
	bool direct = cap >= sizeof(tap->scratch);
	uint8_t *into = direct ? buf : tap->scratch;
	size_t room = direct ? cap : sizeof(tap->scratch);
	ssize_t n;

	(void)now;
	if (tap->vnet_hdr)
		n = tap_read_vnet(tap, into, room);
	else
		n = read(tap->fd, into, room);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		return -errno;
	}
	if (!direct && n > 0)
		memcpy(buf, tap->scratch, (size_t)n < cap ? (size_t)n : cap);
	return (int)n;
}

/* Hand one frame to the kernel, behind `hdr` when the device has them. */
static int tap_write(struct tap_link *tap, const struct virtio_net_hdr *hdr, const uint8_t *frame,
                     size_t len)
{
	struct iovec iov[2] = {{(void *)hdr, sizeof(*hdr)}, {(void *)frame, len}};
	size_t expect = len;
	ssize_t n;

	if (tap->vnet_hdr) {
		n = writev(tap->fd, iov, 2);
		expect += sizeof(*hdr);
	} else {
		n = write(tap->fd, frame, len);
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return -EAGAIN;
		return -errno;
	}
	if ((size_t)n != expect)
		return -EIO;
	return 0;
}

static int tap_send(struct tapir_link *link, const uint8_t *frame, size_t len, tapir_time now)
{
	struct virtio_net_hdr none;

	(void)now;
	if (len > (size_t)link->mtu + ETH_HEADER_LEN)
		return -EMSGSIZE;
	memset(&none, 0, sizeof(none));
	return tap_write(tap_from_link(link), &none, frame, len);
}

/* A TCP super-segment: the virtio-net header tells the kernel where the
 * headers end, the segment size, and where the TCP checksum is to be
 * finished (csum_start, csum_offset). */
static int tap_send_tso(struct tapir_link *link, const uint8_t *frame, size_t len, uint16_t mss,
                        tapir_time now)
{
	struct virtio_net_hdr hdr;
	size_t ip_header_len, tcp_header_len;

	(void)now;
	if (len < IPV4_IHL_OFFSET + 1 || len > (size_t)link->tso_max + ETH_HEADER_LEN)
		return -EMSGSIZE;
	ip_header_len = (size_t)(frame[IPV4_IHL_OFFSET] & 0x0f) * 4;
	if (len < ETH_HEADER_LEN + ip_header_len + TCP_DATA_OFFSET_FIELD + 1)
		return -EINVAL;
	tcp_header_len =
	    (size_t)(frame[ETH_HEADER_LEN + ip_header_len + TCP_DATA_OFFSET_FIELD] >> 4) * 4;
	memset(&hdr, 0, sizeof(hdr));
	hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	hdr.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	hdr.hdr_len = htole16((uint16_t)(ETH_HEADER_LEN + ip_header_len + tcp_header_len));
	hdr.gso_size = htole16(mss);
	hdr.csum_start = htole16((uint16_t)(ETH_HEADER_LEN + ip_header_len));
	hdr.csum_offset = htole16(TCP_CHECKSUM_FIELD);
	return tap_write(tap_from_link(link), &hdr, frame, len);
}

/* A TAP device never has anything to do by itself: wait on its fd. */
static tapir_time tap_next_due(struct tapir_link *link, tapir_time now)
{
	(void)link;
	(void)now;
	return TAPIR_TIME_NEVER;
}

static int tap_fd(struct tapir_link *link)
{
	return tap_from_link(link)->fd;
}

static void tap_close(struct tapir_link *link)
{
	struct tap_link *tap = tap_from_link(link);

	if (tap->vnet_hdr)
		tap_set_offload(tap->fd, false);
	close(tap->fd);
	free(tap);
}

static const struct tapir_link_ops tap_ops = {
    .recv = tap_recv,
    .send = tap_send,
    .send_tso = tap_send_tso,
    .next_due = tap_next_due,
    .fd = tap_fd,
    .close = tap_close,
};

/* The device's MTU, asked of the kernel through any AF_INET socket. */
static unsigned tap_read_mtu(const char *ifname)
{
	struct ifreq ifr;
	unsigned mtu = TAPIR_MTU_DEFAULT;
	int sock;

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return mtu;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(sock, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
		mtu = (unsigned)ifr.ifr_mtu;
	close(sock);
	return mtu;
}

/* The interface index of `ifname`, or a negative error (-ENODEV when there is
 * no such device in this network namespace). */
static int tap_ifindex(const char *ifname)
{
	unsigned index = if_nametoindex(ifname);

	if (index > 0)
		return (int)index;
	if (errno == ENODEV || errno == ENXIO || errno == 0)
		return -ENODEV;
	return -errno;
}

/* The error a caller should see when opening /dev/net/tun or TUNSETIFF fails. */
static int tap_open_error(int err)
{
	if (err == EACCES)
		return -EPERM;
	return -err;
}

/* Ask for virtio-net headers in little-endian order, whatever the CPU, and
 * tell the kernel we take unfinished checksums and TCP super-segments. */
static int tap_enable_offload(int fd)
{
	int size = (int)sizeof(struct virtio_net_hdr);
	int little_endian = 1;

	if (ioctl(fd, TUNSETVNETHDRSZ, &size) < 0)
		return -errno;
	if (ioctl(fd, TUNSETVNETLE, &little_endian) < 0)
		return -errno;
	return tap_set_offload(fd, true);
}

/* Open /dev/net/tun and attach it to the device `ifname`. Returns the file
 * descriptor or a negative error. */
static int tap_attach(const char *ifname, bool offload)
{
	struct ifreq ifr;
	int fd;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return tap_open_error(errno);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (offload)
		ifr.ifr_flags |= IFF_VNET_HDR;
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int err = tap_open_error(errno);

		close(fd);
		return err;
	}
	int err = offload ? tap_enable_offload(fd) : tap_set_offload(fd, false);

	if (err < 0) {
		close(fd);
		return err;
	}
	return fd;
}

int tapir_tap_open(const char *ifname, struct tapir_link **out)
{
	return tapir_tap_open_with(ifname, NULL, out);
}

int tapir_tap_open_with(const char *ifname, const struct tapir_tap_options *opt,
                        struct tapir_link **out)
{
	bool offload = opt && opt->offload;
	struct tap_link *tap;
	int index, fd;

	if (!ifname || !out || ifname[0] == '\0' || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	*out = NULL;

	/* Refuse to let TUNSETIFF create a device that is not there. */
	index = tap_ifindex(ifname);
	if (index < 0)
		return index;
	fd = tap_attach(ifname, offload);
	if (fd < 0)
		return fd;
	/* The device could have vanished between the check and the attach, in
	 * which case TUNSETIFF made a new one with a new index. Closing our fd
	 * removes it again (it is not persistent). */
	if (tap_ifindex(ifname) != index) {
		close(fd);
		return -ENODEV;
	}

	tap = calloc(1, sizeof(*tap));
	if (!tap) {
		close(fd);
		return -ENOMEM;
	}
	tap->base.ops = &tap_ops;
	tap->base.inner = NULL;
	tap->base.mtu = tap_read_mtu(ifname);
	tap->base.tso_max = offload ? IP_MAX_DATAGRAM : 0;
	tap->base.lro_max = offload ? IP_MAX_DATAGRAM : 0;
	tap->vnet_hdr = offload;
	snprintf(tap->base.name, sizeof(tap->base.name), "%s", ifname);
	tap->fd = fd;
	*out = &tap->base;
	return 0;
}
