/* pcap.c - UDP datagrams to and from packet captures through libpcap.
 * The writer frames each datagram as Ethernet II + IPv4 + UDP, as tcpdump
 * records loopback traffic. The reader walks the link layer named by the
 * capture (Ethernet with VLAN tags, raw IP, Linux cooked v1/v2, BSD
 * loopback), then IPv4/IPv6 and UDP, every header read bounds-checked. */
/* libpcap's headers use the BSD types u_char and u_int, which glibc
 * declares only with its default feature set. */
#define _DEFAULT_SOURCE 1

#include "pcap_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

/* ------------------------------------------------------------------ */
/* Wire constants. Offsets and layouts are written next to each decoder
 * with their source. */

#define ETH_HDR_LEN   14u
#define IP4_HDR_LEN   20u
#define IP6_HDR_LEN   40u
#define UDP_HDR_LEN   8u
#define FRAME_HDR_LEN (ETH_HDR_LEN + IP4_HDR_LEN + UDP_HDR_LEN)
/* Largest UDP payload in one IPv4 datagram: 65535 - 20 - 8. */
#define UDP4_PAYLOAD_MAX 65507u
/* Snapshot length written in the file header. 65535 would truncate our
 * own largest frame (65507 + 42 bytes); 262144 is libpcap's maximum and
 * tcpdump's default, so every frame we write fits. */
#define WRITER_SNAPLEN 262144
/* Timestamps: classic pcap stores 32-bit seconds, which libpcap reads
 * back signed, so the writer keeps to [0, INT32_MAX] seconds. */
#define US_PER_S	 1000000
#define WRITER_TS_MAX_US ((int64_t)INT32_MAX * US_PER_S + (US_PER_S - 1))
/* Reader: seconds beyond this cannot become microseconds in an int64
 * (with room for any 32-bit microsecond field a corrupt file holds). */
#define READER_SEC_MAX	(INT64_MAX / US_PER_S - 8192)
#define READER_USEC_MIN ((int64_t)INT32_MIN)
#define READER_USEC_MAX ((int64_t)UINT32_MAX)

#define ETHERTYPE_IPV4	   0x0800u
#define ETHERTYPE_IPV6	   0x86ddu
#define ETHERTYPE_VLAN	   0x8100u /* IEEE 802.1Q */
#define ETHERTYPE_QINQ	   0x88a8u /* IEEE 802.1ad service tag */
#define ETHERTYPE_QINQ_OLD 0x9100u /* pre-standard double tagging */
#define VLAN_TAGS_MAX	   2

#define IPPROTO_HOPOPTS_  0u
#define IPPROTO_UDP_	  17u
#define IPPROTO_ROUTING_  43u
#define IPPROTO_FRAGMENT_ 44u
#define IPPROTO_AH_	  51u
#define IPPROTO_DSTOPTS_  60u
#define IPPROTO_MOBILITY_ 135u
#define IP6_EXT_MAX	  8 /* extension headers walked before giving up */

/* ------------------------------------------------------------------ */
/* Big-endian (network order) helpers. */

static uint16_t rd_u16be(struct tb_cur *c)
{
	uint16_t hi = tb_rd_u8(c);
	uint16_t lo = tb_rd_u8(c);
	return (uint16_t)((hi << 8) | lo);
}

static uint32_t rd_u32be(struct tb_cur *c)
{
	uint32_t hi = rd_u16be(c);
	uint32_t lo = rd_u16be(c);
	return (hi << 16) | lo;
}

static uint32_t ld_u32be(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static void st_u16be(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void st_u32be(uint8_t *p, uint32_t v)
{
	st_u16be(p, (uint16_t)(v >> 16));
	st_u16be(p + 2, (uint16_t)v);
}

/* RFC 1071 Internet checksum over n bytes (n even). */
static uint16_t inet_checksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += ((uint32_t)p[i] << 8) | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

/* ------------------------------------------------------------------ */
/* Writer. */

struct fmt_pcap_writer {
	pcap_t *dead;
	pcap_dumper_t *dumper;
	char *path;
	uint16_t ip_id; /* IPv4 identification, incremented per frame */
	uint8_t frame[FRAME_HDR_LEN + UDP4_PAYLOAD_MAX];
};

static char *dup_path(const char *path)
{
	size_t n = strlen(path) + 1;
	char *p = tb_malloc(n);
	if (p)
		memcpy(p, path, n);
	return p;
}

enum tb_status fmt_pcap_writer_open(const char *path,
				    struct fmt_pcap_writer **out,
				    struct tb_error *err)
{
	enum tb_status st = TB_ERR_NOMEM;
	FILE *f = NULL;

	if (!out)
		return tb_fail(err, TB_ERR_ARG, "pcap writer: no out pointer");
	*out = NULL;
	if (!path || !*path)
		return tb_fail(err, TB_ERR_ARG, "pcap writer: empty path");
	struct fmt_pcap_writer *w = tb_calloc(1, sizeof(*w));
	if (!w)
		goto fail;
	w->path = dup_path(path);
	if (!w->path)
		goto fail;
	w->dead = pcap_open_dead(DLT_EN10MB, WRITER_SNAPLEN);
	if (!w->dead)
		goto fail;
	/* fopen ourselves: pcap_dump_open would take "-" as stdout. */
	f = fopen(path, "wb");
	if (!f) {
		st = tb_fail(err, TB_ERR_IO, "%s: %s", path, strerror(errno));
		goto fail_quiet;
	}
	w->dumper = pcap_dump_fopen(w->dead, f);
	if (!w->dumper) {
		st = tb_fail(err, TB_ERR_IO, "%s: %s", path,
			     pcap_geterr(w->dead));
		goto fail_quiet;
	}
	*out = w;
	return TB_OK;

fail:
	st = tb_fail(err, TB_ERR_NOMEM, "%s: out of memory opening capture",
		     path);
fail_quiet:
	if (f)
		fclose(f); /* reached only before pcap_dump_fopen took it */
	if (w) {
		if (w->dead)
			pcap_close(w->dead);
		tb_free(w->path);
		tb_free(w);
	}
	return st;
}

/* Lay out Ethernet II + IPv4 + UDP headers in front of a payload of n
 * bytes at w->frame. Layouts: IEEE 802.3 clause 3 (dst, src, type);
 * RFC 791 section 3.1; RFC 768. */
static void build_headers(struct fmt_pcap_writer *w,
			  const struct fmt_udp_datagram *d)
{
	uint8_t *eth = w->frame;
	uint8_t *ip = eth + ETH_HDR_LEN;
	uint8_t *udp = ip + IP4_HDR_LEN;
	uint16_t ip_len = (uint16_t)(IP4_HDR_LEN + UDP_HDR_LEN + d->len);

	memset(eth, 0, 12); /* loopback: zero MACs, as Linux records lo */
	st_u16be(eth + 12, ETHERTYPE_IPV4);
	ip[0] = 0x45; /* version 4, IHL 5 words */
	ip[1] = 0;    /* DSCP/ECN */
	st_u16be(ip + 2, ip_len);
	st_u16be(ip + 4, w->ip_id++);
	st_u16be(ip + 6, 0x4000); /* DF, offset 0 */
	ip[8] = 64;		  /* TTL */
	ip[9] = IPPROTO_UDP_;
	st_u16be(ip + 10, 0);
	st_u32be(ip + 12, d->src_ip);
	st_u32be(ip + 16, d->dst_ip);
	st_u16be(ip + 10, inet_checksum(ip, IP4_HDR_LEN));
	st_u16be(udp + 0, d->src_port);
	st_u16be(udp + 2, d->dst_port);
	st_u16be(udp + 4, (uint16_t)(UDP_HDR_LEN + d->len));
	st_u16be(udp + 6, 0); /* no checksum: legal for UDP over IPv4 */
}

enum tb_status fmt_pcap_write(struct fmt_pcap_writer *w,
			      const struct fmt_udp_datagram *d,
			      struct tb_error *err)
{
	if (!w || !d || (d->len && !d->payload))
		return tb_fail(err, TB_ERR_ARG, "pcap write: bad argument");
	if (d->len > UDP4_PAYLOAD_MAX)
		return tb_fail(err, TB_ERR_LIMIT,
			       "%s: UDP payload %zu bytes, IPv4 allows %u",
			       w->path, d->len, UDP4_PAYLOAD_MAX);
	if (d->ts_us < 0 || d->ts_us > WRITER_TS_MAX_US)
		return tb_fail(err, TB_ERR_RANGE,
			       "%s: timestamp %lld us outside 1970..2038",
			       w->path, (long long)d->ts_us);

	build_headers(w, d);
	if (d->len)
		memcpy(w->frame + FRAME_HDR_LEN, d->payload, d->len);

	struct pcap_pkthdr h;
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(d->ts_us / US_PER_S);
	h.ts.tv_usec = (suseconds_t)(d->ts_us % US_PER_S);
	h.caplen = (bpf_u_int32)(FRAME_HDR_LEN + d->len);
	h.len = h.caplen;
	pcap_dump((u_char *)w->dumper, &h, w->frame);

	FILE *f = pcap_dump_file(w->dumper);
	if (ferror(f))
		return tb_fail(err, TB_ERR_IO, "%s: write failed: %s", w->path,
			       strerror(errno));
	return TB_OK;
}

enum tb_status fmt_pcap_writer_flush(struct fmt_pcap_writer *w,
				     struct tb_error *err)
{
	if (!w)
		return tb_fail(err, TB_ERR_ARG, "pcap flush: no writer");
	if (pcap_dump_flush(w->dumper) != 0)
		return tb_fail(err, TB_ERR_IO, "%s: flush failed: %s", w->path,
			       strerror(errno));
	if (fsync(fileno(pcap_dump_file(w->dumper))) != 0 && errno != EINVAL)
		return tb_fail(err, TB_ERR_IO, "%s: fsync failed: %s", w->path,
			       strerror(errno));
	return TB_OK;
}

void fmt_pcap_writer_close(struct fmt_pcap_writer *w)
{
	if (!w)
		return;
	pcap_dump_close(w->dumper); /* flushes and closes the FILE */
	pcap_close(w->dead);
	tb_free(w->path);
	tb_free(w);
}

/* ------------------------------------------------------------------ */
/* Reader. */

struct fmt_pcap_reader {
	pcap_t *p;
	int dlt;
	char *path;
	enum tb_status done; /* TB_OK while reading; then latched result */
	struct fmt_pcap_stats stats;
};

static bool dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	default:
		return false;
	}
}

/* Classify a failed open: a file whose first bytes are no capture magic
 * is the wrong format; one that has a magic is corrupt. */
static enum tb_status open_failure_status(FILE *f)
{
	uint8_t head[16];
	size_t n;

	if (fseek(f, 0, SEEK_SET) != 0)
		return TB_ERR_CORRUPT;
	n = fread(head, 1, sizeof(head), f);
	if (n >= 4 && !fmt_pcap_sniff(head, n))
		return TB_ERR_FORMAT;
	return TB_ERR_CORRUPT;
}

enum tb_status fmt_pcap_reader_open(const char *path,
				    struct fmt_pcap_reader **out,
				    struct tb_error *err)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	enum tb_status st;
	FILE *f = NULL;

	if (!out)
		return tb_fail(err, TB_ERR_ARG, "pcap reader: no out pointer");
	*out = NULL;
	if (!path || !*path)
		return tb_fail(err, TB_ERR_ARG, "pcap reader: empty path");
	struct fmt_pcap_reader *r = tb_calloc(1, sizeof(*r));
	if (!r) {
		st = tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", path);
		goto fail;
	}
	r->path = dup_path(path);
	if (!r->path) {
		st = tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", path);
		goto fail;
	}
	f = fopen(path, "rb");
	if (!f) {
		st = tb_fail(err, TB_ERR_IO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	errbuf[0] = '\0';
	r->p = pcap_fopen_offline_with_tstamp_precision(
	    f, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (!r->p) {
		st = tb_fail(err, open_failure_status(f), "%s: %s", path,
			     errbuf);
		goto fail;
	}
	f = NULL; /* owned by r->p now */
	r->dlt = pcap_datalink(r->p);
	if (!dlt_supported(r->dlt)) {
		const char *name = pcap_datalink_val_to_name(r->dlt);
		st = tb_fail(err, TB_ERR_UNSUPPORTED,
			     "%s: link type %d (%s) not supported", path,
			     r->dlt, name ? name : "unknown");
		goto fail;
	}
	*out = r;
	return TB_OK;

fail:
	if (f)
		fclose(f);
	fmt_pcap_reader_close(r);
	return st;
}

void fmt_pcap_reader_close(struct fmt_pcap_reader *r)
{
	if (!r)
		return;
	if (r->p)
		pcap_close(r->p);
	tb_free(r->path);
	tb_free(r);
}

const struct fmt_pcap_stats *
fmt_pcap_reader_stats(const struct fmt_pcap_reader *r)
{
	return r ? &r->stats : NULL;
}

/* UDP header (RFC 768): src port, dst port, length, checksum; 8 bytes.
 * `c` spans the bytes captured of the IP payload, `ip_len` is the
 * payload length the IP header declares. */
static enum fmt__frame_kind parse_udp(struct tb_cur *c, size_t ip_len,
				      struct fmt_udp_datagram *d)
{
	if (ip_len < UDP_HDR_LEN)
		return FMT__FRAME_BAD_HEADER;
	if (tb_cur_left(c) < UDP_HDR_LEN)
		return FMT__FRAME_TRUNCATED;
	d->src_port = rd_u16be(c);
	d->dst_port = rd_u16be(c);
	size_t udp_len = rd_u16be(c);
	(void)rd_u16be(c); /* checksum: not verified (offload) */
	if (udp_len < UDP_HDR_LEN || udp_len > ip_len)
		return FMT__FRAME_BAD_HEADER;
	size_t n = udp_len - UDP_HDR_LEN;
	if (tb_cur_left(c) < n)
		return FMT__FRAME_TRUNCATED;
	d->payload = c->p + c->pos;
	d->len = n;
	return FMT__FRAME_UDP;
}

/* IPv4 header (RFC 791 section 3.1): 0 version/IHL, 2 total length,
 * 6 flags/fragment offset, 9 protocol, 12 source, 16 destination; IHL
 * counts 32-bit words, options follow the 20 fixed bytes. */
static enum fmt__frame_kind parse_ipv4(struct tb_cur *c,
				       struct fmt_udp_datagram *d)
{
	size_t start = c->pos;
	if (tb_cur_left(c) < IP4_HDR_LEN)
		return FMT__FRAME_TRUNCATED;
	uint8_t vihl = tb_rd_u8(c);
	size_t ihl = (size_t)(vihl & 0x0f) * 4;
	(void)tb_rd_u8(c);
	size_t total = rd_u16be(c);
	(void)rd_u16be(c); /* identification */
	uint16_t frag = rd_u16be(c);
	(void)tb_rd_u8(c); /* TTL */
	uint8_t proto = tb_rd_u8(c);
	(void)rd_u16be(c); /* header checksum: not verified */
	uint32_t src = rd_u32be(c);
	uint32_t dst = rd_u32be(c);

	if ((vihl >> 4) != 4 || ihl < IP4_HDR_LEN || total < ihl)
		return FMT__FRAME_BAD_HEADER;
	/* MF set or a non-zero offset: a piece we do not reassemble. */
	if ((frag & 0x3fffu) != 0)
		return FMT__FRAME_FRAGMENT;
	if (proto != IPPROTO_UDP_)
		return FMT__FRAME_NOT_UDP;
	if (tb_cur_left(c) + IP4_HDR_LEN < ihl)
		return FMT__FRAME_TRUNCATED;
	tb_cur_seek(c, start + ihl);
	d->src_ip = src;
	d->dst_ip = dst;
	/* Bytes past `total` are link-layer padding: leave them out. */
	struct tb_cur pl;
	size_t avail = tb_cur_left(c);
	tb_cur_init(&pl, c->p + c->pos,
		    avail < total - ihl ? avail : total - ihl);
	return parse_udp(&pl, total - ihl, d);
}

/* IPv6 header (RFC 8200 section 3): 0 version/class/flow, 4 payload
 * length, 6 next header, 7 hop limit, 8 source, 24 destination; 40
 * bytes. Extension headers (section 4) are skipped by their length:
 * hop-by-hop, routing, destination options and mobility count 8-octet
 * units after the first 8; AH (RFC 4302) counts 4-octet units after the
 * first 8; a fragment header is 8 bytes. */
static enum fmt__frame_kind parse_ipv6(struct tb_cur *c,
				       struct fmt_udp_datagram *d)
{
	if (tb_cur_left(c) < IP6_HDR_LEN)
		return FMT__FRAME_TRUNCATED;
	uint32_t vtf = rd_u32be(c);
	size_t plen = rd_u16be(c);
	unsigned next = tb_rd_u8(c);
	tb_cur_seek(c, c->pos + 1 + 32); /* hop limit, addresses */
	if ((vtf >> 28) != 6)
		return FMT__FRAME_BAD_HEADER;
	if (plen == 0) /* jumbogram or nothing: never a telemetry datagram */
		return FMT__FRAME_NOT_UDP;

	size_t avail = tb_cur_left(c);
	struct tb_cur pl;
	tb_cur_init(&pl, c->p + c->pos, avail < plen ? avail : plen);
	for (int i = 0; i <= IP6_EXT_MAX; i++) {
		size_t hlen;
		if (next == IPPROTO_UDP_) {
			d->src_ip = 0;
			d->dst_ip = 0;
			return parse_udp(&pl, plen - pl.pos, d);
		}
		if (tb_cur_left(&pl) < 8)
			return pl.len < plen ? FMT__FRAME_TRUNCATED
					     : FMT__FRAME_BAD_HEADER;
		const uint8_t *h = pl.p + pl.pos;
		switch (next) {
		case IPPROTO_HOPOPTS_:
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_:
		case IPPROTO_MOBILITY_:
			hlen = ((size_t)h[1] + 1) * 8;
			break;
		case IPPROTO_AH_:
			hlen = ((size_t)h[1] + 2) * 4;
			break;
		case IPPROTO_FRAGMENT_:
			/* offset or M flag set: a piece; else atomic */
			if ((((unsigned)h[2] << 8 | h[3]) & 0xfff9u) != 0)
				return FMT__FRAME_FRAGMENT;
			hlen = 8;
			break;
		default:
			return FMT__FRAME_NOT_UDP; /* TCP, ICMPv6, ESP, ... */
		}
		if (hlen > plen - pl.pos)
			return FMT__FRAME_BAD_HEADER;
		if (hlen > tb_cur_left(&pl))
			return FMT__FRAME_TRUNCATED;
		next = h[0];
		tb_cur_seek(&pl, pl.pos + hlen);
	}
	return FMT__FRAME_NOT_UDP; /* too deep a chain: not worth following */
}

static enum fmt__frame_kind parse_ethertype(struct tb_cur *c, unsigned type,
					    struct fmt_udp_datagram *d)
{
	if (type == ETHERTYPE_IPV4)
		return parse_ipv4(c, d);
	if (type == ETHERTYPE_IPV6)
		return parse_ipv6(c, d);
	return FMT__FRAME_NOT_UDP;
}

/* Raw IP: the version nibble says which. */
static enum fmt__frame_kind parse_raw(struct tb_cur *c, unsigned want,
				      struct fmt_udp_datagram *d)
{
	if (tb_cur_left(c) < 1)
		return FMT__FRAME_TRUNCATED;
	unsigned v = c->p[c->pos] >> 4;
	if (want && v != want)
		return FMT__FRAME_BAD_HEADER;
	if (v == 4)
		return parse_ipv4(c, d);
	if (v == 6)
		return parse_ipv6(c, d);
	return FMT__FRAME_BAD_HEADER;
}

/* Ethernet II (IEEE 802.3): dst 6, src 6, type 2; IEEE 802.1Q tags
 * (TPID 2, TCI 2) may sit before the real type. */
static enum fmt__frame_kind parse_ether(struct tb_cur *c,
					struct fmt_udp_datagram *d)
{
	if (tb_cur_left(c) < ETH_HDR_LEN)
		return FMT__FRAME_TRUNCATED;
	tb_cur_seek(c, c->pos + 12);
	unsigned type = rd_u16be(c);
	for (int tags = 0; type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ ||
			   type == ETHERTYPE_QINQ_OLD;
	     tags++) {
		if (tags == VLAN_TAGS_MAX)
			return FMT__FRAME_NOT_UDP;
		if (tb_cur_left(c) < 4)
			return FMT__FRAME_TRUNCATED;
		(void)rd_u16be(c); /* TCI */
		type = rd_u16be(c);
	}
	return parse_ethertype(c, type, d);
}

/* Linux cooked v1 (LINKTYPE_LINUX_SLL, tcpdump.org/linktypes): packet
 * type 2, ARPHRD 2, address length 2, address 8, protocol 2. */
static enum fmt__frame_kind parse_sll(struct tb_cur *c,
				      struct fmt_udp_datagram *d)
{
	if (tb_cur_left(c) < 16)
		return FMT__FRAME_TRUNCATED;
	tb_cur_seek(c, c->pos + 14);
	unsigned type = rd_u16be(c);
	return parse_ethertype(c, type, d);
}

/* Linux cooked v2 (LINKTYPE_LINUX_SLL2): protocol 2, reserved 2,
 * interface index 4, ARPHRD 2, packet type 1, address length 1,
 * address 8; 20 bytes. */
static enum fmt__frame_kind parse_sll2(struct tb_cur *c,
				       struct fmt_udp_datagram *d)
{
	if (tb_cur_left(c) < 20)
		return FMT__FRAME_TRUNCATED;
	unsigned type = rd_u16be(c);
	tb_cur_seek(c, c->pos + 18);
	return parse_ethertype(c, type, d);
}

/* BSD loopback (LINKTYPE_NULL: host order of the writer; LINKTYPE_LOOP:
 * network order): a 4-byte address family. AF_INET is 2 everywhere;
 * AF_INET6 is 10 (Linux), 24 (NetBSD, OpenBSD), 28 (FreeBSD) or 30
 * (macOS). Both byte orders are tried since captures travel. */
static enum fmt__frame_kind parse_null(struct tb_cur *c,
				       struct fmt_udp_datagram *d)
{
	if (tb_cur_left(c) < 4)
		return FMT__FRAME_TRUNCATED;
	uint32_t fam = tb_ld_u32le(c->p + c->pos);
	if (fam > 0xffff)
		fam = ld_u32be(c->p + c->pos);
	tb_cur_seek(c, c->pos + 4);
	switch (fam) {
	case 2:
		return parse_raw(c, 4, d);
	case 10:
	case 24:
	case 28:
	case 30:
		return parse_raw(c, 6, d);
	default:
		return FMT__FRAME_NOT_UDP;
	}
}

enum fmt__frame_kind fmt__pcap_parse_frame(int linktype, const uint8_t *frame,
					   size_t caplen,
					   struct fmt_udp_datagram *d)
{
	struct tb_cur c;
	tb_cur_init(&c, frame, caplen);
	switch (linktype) {
	case DLT_EN10MB:
		return parse_ether(&c, d);
	case DLT_RAW:
		return parse_raw(&c, 0, d);
	case DLT_IPV4:
		return parse_raw(&c, 4, d);
	case DLT_IPV6:
		return parse_raw(&c, 6, d);
	case DLT_LINUX_SLL:
		return parse_sll(&c, d);
	case DLT_LINUX_SLL2:
		return parse_sll2(&c, d);
	case DLT_NULL:
	case DLT_LOOP:
		return parse_null(&c, d);
	default:
		return FMT__FRAME_NOT_UDP;
	}
}

static void count(struct fmt_pcap_stats *s, enum fmt__frame_kind k)
{
	switch (k) {
	case FMT__FRAME_UDP:
		s->udp++;
		break;
	case FMT__FRAME_NOT_UDP:
		s->not_udp++;
		break;
	case FMT__FRAME_FRAGMENT:
		s->fragments++;
		break;
	case FMT__FRAME_TRUNCATED:
		s->truncated++;
		break;
	case FMT__FRAME_BAD_HEADER:
		s->bad_header++;
		break;
	}
}

/* Record time to microseconds; false when it cannot be represented. A
 * classic pcap's microsecond field comes straight from the file, so it
 * is range-checked too rather than trusted to be below 10^6. */
static bool ts_to_us(const struct timeval *tv, int64_t *out)
{
	int64_t sec = (int64_t)tv->tv_sec;
	int64_t usec = (int64_t)tv->tv_usec;
	if (sec > READER_SEC_MAX || sec < -READER_SEC_MAX)
		return false;
	if (usec < READER_USEC_MIN || usec > READER_USEC_MAX)
		return false;
	*out = sec * US_PER_S + usec;
	return true;
}

/* libpcap's messages for failed reads of the underlying file start like
 * this; everything else it reports is about the bytes it read. */
static enum tb_status read_failure_status(const char *msg)
{
	static const char io[] = "error reading dump file";
	return strncmp(msg, io, sizeof(io) - 1) == 0 ? TB_ERR_IO
						     : TB_ERR_CORRUPT;
}

enum tb_status fmt_pcap_next(struct fmt_pcap_reader *r,
			     struct fmt_udp_datagram *d, struct tb_error *err)
{
	if (!r || !d)
		return tb_fail(err, TB_ERR_ARG, "pcap next: bad argument");
	while (r->done == TB_OK) {
		struct pcap_pkthdr *h;
		const u_char *data;
		int rc = pcap_next_ex(r->p, &h, &data);
		if (rc == PCAP_ERROR_BREAK) {
			r->done = TB_ERR_EMPTY;
			break;
		}
		if (rc != 1) {
			const char *msg = pcap_geterr(r->p);
			r->done = read_failure_status(msg);
			return tb_fail(
			    err, r->done, "%s: frame %llu: %s", r->path,
			    (unsigned long long)r->stats.frames + 1, msg);
		}
		r->stats.frames++;
		enum fmt__frame_kind k;
		int64_t ts;
		memset(d, 0, sizeof(*d));
		if (!ts_to_us(&h->ts, &ts))
			k = FMT__FRAME_BAD_HEADER; /* garbage timestamp */
		else
			k = fmt__pcap_parse_frame(r->dlt, data, h->caplen, d);
		count(&r->stats, k);
		if (k == FMT__FRAME_UDP) {
			d->ts_us = ts;
			return TB_OK;
		}
	}
	if (r->done == TB_ERR_EMPTY)
		return tb_fail(err, TB_ERR_EMPTY, "%s: end of capture",
			       r->path);
	return tb_fail(err, r->done, "%s: capture already failed", r->path);
}

/* ------------------------------------------------------------------ */
/* Sniffing. Classic pcap: a 4-byte magic, either byte order, for
 * microsecond (a1b2c3d4), nanosecond (a1b23c4d) and Kuznetzov's patched
 * (a1b2cd34) files. pcapng: a Section Header Block, type 0a0d0d0a, then
 * a total length and the byte-order magic 1a2b3c4d. */
bool fmt_pcap_sniff(const uint8_t *head, size_t len)
{
	static const uint32_t magics[] = {0xa1b2c3d4u, 0xa1b23c4du,
					  0xa1b2cd34u};
	if (!head || len < 4)
		return false;
	uint32_t le = tb_ld_u32le(head);
	uint32_t be = ld_u32be(head);
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (le == magics[i] || be == magics[i])
			return true;
	if (le == 0x0a0d0d0au && len >= 12) {
		uint32_t bom = tb_ld_u32le(head + 8);
		return bom == 0x1a2b3c4du || bom == 0x4d3c2b1au;
	}
	return false;
}
