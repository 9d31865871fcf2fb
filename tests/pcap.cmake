# Packet captures: the pcap/pcapng reader and writer (src/formats/pcap.c).
tb_add_test(test_pcap SOURCES tests/test_pcap.c LIBS tb_formats)
tb_add_test(test_pcap_data SOURCES tests/test_pcap_data.c LIBS tb_formats)
