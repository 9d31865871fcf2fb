/* pcap.h - packet captures: write UDP datagrams to a classic pcap file
 * (Ethernet/IPv4/UDP frames, as tcpdump writes them, so Wireshark and
 * tcpdump open it) and read UDP payloads back out of pcap or pcapng
 * files written by us, tcpdump or Wireshark (link types Ethernet, raw IP,
 * Linux cooked v1/v2, BSD loopback; IPv4 and IPv6). */
#ifndef TB_FORMATS_PCAP_H
#define TB_FORMATS_PCAP_H

#include "../core/core.h"

struct fmt_pcap_writer;
struct fmt_pcap_reader;

/* One UDP datagram with its capture time and endpoints. Addresses are
 * IPv4 in host byte order (0 for IPv6 sources). payload is borrowed from
 * the reader and valid until the next call. */
struct fmt_udp_datagram {
	int64_t ts_us; /* capture time, microseconds since the epoch */
	uint32_t src_ip, dst_ip;
	uint16_t src_port, dst_port;
	const uint8_t *payload;
	size_t len;
};

/* Counters of what a reader skipped and why. */
struct fmt_pcap_stats {
	uint64_t frames;      /* frames read */
	uint64_t udp;	      /* UDP datagrams returned */
	uint64_t not_udp;     /* other protocols (TCP, ARP, ...) */
	uint64_t fragments;   /* IP fragments (not reassembled) */
	uint64_t truncated;   /* caplen shorter than the headers say */
	uint64_t bad_header;  /* malformed IP/UDP headers */
};

/* Create a pcap file at path (replaced if it exists). */
enum tb_status fmt_pcap_writer_open(const char *path,
				    struct fmt_pcap_writer **out,
				    struct tb_error *err) TB_WUR;
/* Append one datagram (ts, endpoints and payload used; payload copied). */
enum tb_status fmt_pcap_write(struct fmt_pcap_writer *w,
			      const struct fmt_udp_datagram *d,
			      struct tb_error *err) TB_WUR;
/* Flush to disk (data already written stays readable after a crash). */
enum tb_status fmt_pcap_writer_flush(struct fmt_pcap_writer *w,
				     struct tb_error *err) TB_WUR;
/* Flush and close; NULL is a no-op. */
void fmt_pcap_writer_close(struct fmt_pcap_writer *w);

/* Open a pcap or pcapng capture for reading. */
enum tb_status fmt_pcap_reader_open(const char *path,
				    struct fmt_pcap_reader **out,
				    struct tb_error *err) TB_WUR;
/* Next UDP datagram: TB_OK with *d filled, TB_ERR_EMPTY at the end of
 * the file, another status on a read error. Non-UDP frames are skipped
 * and counted. */
enum tb_status fmt_pcap_next(struct fmt_pcap_reader *r,
			     struct fmt_udp_datagram *d,
			     struct tb_error *err) TB_WUR;
const struct fmt_pcap_stats *fmt_pcap_reader_stats(
	const struct fmt_pcap_reader *r);
void fmt_pcap_reader_close(struct fmt_pcap_reader *r);

/* True if the first bytes look like a pcap or pcapng file. */
bool fmt_pcap_sniff(const uint8_t *head, size_t len);

#endif /* TB_FORMATS_PCAP_H */
