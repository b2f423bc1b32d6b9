# SPDX-License-Identifier: GPL-2.0
#
# kcredssp top-level Makefile.
#
#   make                 userspace (host) + credssp.ko for the guest kernel KVER
#   make KVER=6.1        ... for the 6.1 guest kernel (default 6.12)
#   make KDIR=/lib/modules/$(uname -r)/build   credssp.ko for a real system
#   make check           every test, both guest kernels, one summary line
#   make check-host      host tests and style gates
#   make check-guest     guest suites for KVER
#   make ynl-gen         regenerate uapi/linux/credssp.h and kmod/netlink-gen.[ch]
#                        from Documentation/netlink/specs/credssp.yaml
#   make demo            real RDP clients log into xrdp through the NLA front in the guest
#   make install         install credssp.ko into KDIR's /lib/modules tree
#   make bench           host benchmarks (bench/README), no sanitizers
#   make bench-accept    token/socket-mode accept benchmark in the guest (bench/README)
#   make bench-threads   N threads accepting through one sspi.h session (guest, bench/README)
#   make bench-relay     credssp-rdpd's relay vs a userspace OpenSSL relay (guest)
#   make bench-rdp       connect to first session PDU, front + xrdp vs xrdp (guest)
#   make bench-ctx       100 000 live contexts: accept latency, memory, freeing (guest)
#   make bench-peers     kcredssp vs FreeRDP's shadow servers, auth/s and CPU (guest)
#   make load-run        1000 concurrent, then 10 000 sequential socket-mode handshakes
#                        with the real credsspd, memory sampled (tests/guest/load.sh)
#   make fuzz-netlink    the credssp family's netlink fuzzer, 1 000 000 messages in the
#                        debug guest (Documentation/testing.rst)

KVER ?= 6.12
# DEBUG=1 builds against the debug guest kernel (KASAN, lockdep, kmemleak).
DEBUG ?=
BUILD := build

CC ?= gcc
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Iuapi
PKG_CONFIG ?= pkg-config

ifneq ($(KDIR),)
KTAG := kdir$(subst /,-,$(abspath $(KDIR)))
KDIR_CMD := echo $(abspath $(KDIR))
else
KTAG := $(KVER)$(if $(DEBUG),-debug)
KDIR_CMD := scripts/kernel.sh $(if $(DEBUG),--debug) $(KVER)
endif
KSRC_CMD := scripts/kernel.sh --source 6.12
MOD_OUT := $(BUILD)/kmod-$(KTAG)

KMOD_SRCS := Kbuild $(wildcard kmod/Kbuild kmod/*.[ch] kmod/tests/*.[ch] uapi/linux/*.h include/net/*.h \
	samples/kgate/Kbuild samples/kgate/*.[ch])

SELFTESTS := $(patsubst tests/selftests/%.c,$(BUILD)/tests/%,$(wildcard tests/selftests/*.c))
NL_CFLAGS := $(shell $(PKG_CONFIG) --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS := $(shell $(PKG_CONFIG) --libs libnl-genl-3.0 2>/dev/null)

.PHONY: credsspd lib
.PHONY: all userspace module sparse install check check-host check-guest demo clean \
	unit fuzz fuzz-run selftests bench

# The CredSSP engine (helper/ minus the daemon), as a static library. The
# host unit tests link a copy built with AddressSanitizer and UBSan.
ENGINE_CFLAGS := $(shell $(PKG_CONFIG) --cflags openssl krb5-gssapi 2>/dev/null)
ENGINE_LIBS := $(shell $(PKG_CONFIG) --libs openssl krb5-gssapi 2>/dev/null)
ENGINE_SRCS := $(filter-out helper/credsspd.c,$(wildcard helper/*.c))
# The uapi: credssp.h is generated from the YNL spec (make ynl-gen).
UAPI_HDRS := uapi/linux/credssp.h uapi/linux/credssp_types.h
ENGINE_HDRS := $(wildcard helper/*.h) $(UAPI_HDRS)
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ENGINE_SAN_LIB := $(BUILD)/san/libcsspengine.a
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/*.c))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CC ?= clang

all: userspace module

userspace: selftests unit credsspd lib $(BUILD)/sspi_front $(BUILD)/sspi_port_server

selftests: $(SELFTESTS)

unit: $(UNIT_BINS)

fuzz: $(FUZZ_BINS)

$(BUILD)/san/helper/%.o: helper/%.c $(ENGINE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) $(ENGINE_CFLAGS) -c -o $@ $<

$(ENGINE_SAN_LIB): $(patsubst %.c,$(BUILD)/san/%.o,$(ENGINE_SRCS))
	rm -f $@
	ar rcs $@ $^

# Code shared by the unit tests, the front and the benchmarks, as a static
# library built like the engine copy it goes with (here ASan + UBSan). Not in
# it: tests/lib/lsan-exit.c (unit tests only, with -Wl,--wrap=_exit) and
# tests/lib/keylog-preload.c (an LD_PRELOAD shim, built by its own test).
TESTLIB_SRCS := tests/lib/cssp_client.c tests/lib/initiator.c tests/lib/realm.c tests/lib/record.c \
	tests/lib/tls_peer.c
TESTLIB_HDRS := $(wildcard tests/lib/*.h)
TESTLIB_SAN_LIB := $(BUILD)/san/libtestlib.a

$(BUILD)/san/tests/lib/%.o: tests/lib/%.c $(TESTLIB_HDRS) $(ENGINE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -Ihelper -Itests/lib $(ENGINE_CFLAGS) -c -o $@ $<

$(TESTLIB_SAN_LIB): $(patsubst %.c,$(BUILD)/san/%.o,$(TESTLIB_SRCS))
	rm -f $@
	ar rcs $@ $^

# Host unit tests: kselftest harness (TAP), engine with ASan + UBSan.
# Each test's child checks for leaks before _exit() (tests/lib/lsan-exit.c).
$(BUILD)/unit/%: tests/unit/%.c tests/lib/lsan-exit.c $(TESTLIB_SAN_LIB) $(ENGINE_SAN_LIB) \
		$(ENGINE_HDRS) $(TESTLIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -Ihelper -Itests/lib $(ENGINE_CFLAGS) \
		-isystem "$$($(KSRC_CMD))/tools/testing/selftests" -Wl,--wrap=_exit \
		-o $@ $< tests/lib/lsan-exit.c $(TESTLIB_SAN_LIB) $(ENGINE_SAN_LIB) $(ENGINE_LIBS)

# libFuzzer targets, linked with a copy of the engine built by clang with
# coverage instrumentation.
FUZZ_CFLAGS := -g -O1 -std=gnu11 -Wall -Wextra -Werror -Iuapi -Ihelper $(ENGINE_CFLAGS)
ENGINE_FUZZ_LIB := $(BUILD)/fuzz-obj/libcsspengine.a

$(BUILD)/fuzz-obj/helper/%.o: helper/%.c $(ENGINE_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

$(ENGINE_FUZZ_LIB): $(patsubst %.c,$(BUILD)/fuzz-obj/%.o,$(ENGINE_SRCS))
	rm -f $@
	ar rcs $@ $^

FUZZ_HDRS := tests/fuzz/fuzz_cred.h tests/fuzz/fuzz_step.h
comma := ,

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_HDRS) $(ENGINE_FUZZ_LIB) $(ENGINE_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined $(FUZZ_LINK) \
		-o $@ $< $(FUZZ_OBJS) $(ENGINE_FUZZ_LIB) $(ENGINE_LIBS)

# fuzz_tsrequest_plain: the engine with tests/fuzz/tls_plain.c in place of
# the per-context TLS session (the engine's calls to these go to
# __wrap_NAME); the server credential and record framing stay helper/tls.c's.
TLS_PLAIN_WRAP := cssp_tls_new cssp_tls_free cssp_tls_feed_record cssp_tls_handshake_done \
	cssp_tls_plaintext cssp_tls_write cssp_tls_take_output cssp_tls_version \
	cssp_tls_cipher_name cssp_tls_export_keys

$(BUILD)/fuzz/fuzz_tsrequest_plain: tests/fuzz/tls_plain.c tests/fuzz/tls_plain.h
$(BUILD)/fuzz/fuzz_tsrequest_plain: FUZZ_OBJS := tests/fuzz/tls_plain.c
$(BUILD)/fuzz/fuzz_tsrequest_plain: FUZZ_LINK := $(patsubst %,-Wl$(comma)--wrap=%,$(TLS_PLAIN_WRAP))

# The host-only RDP test front that real clients talk to (tests/interop),
# linked with the ASan + UBSan engine.
.PHONY: front
front: $(BUILD)/front

# The X.224 negotiation (rdp/x224.h), compiled into each of front,
# sspi_front, credssp-gate and credssp-rdpd with that program's flags.
X224_SRCS := rdp/x224.c
X224_HDRS := rdp/x224.h

$(BUILD)/front: tests/front/front.c $(X224_SRCS) $(TESTLIB_SAN_LIB) $(ENGINE_SAN_LIB) \
		$(ENGINE_HDRS) $(TESTLIB_HDRS) $(X224_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -Ihelper -Itests/lib -Irdp $(ENGINE_CFLAGS) -o $@ $< \
		$(X224_SRCS) $(TESTLIB_SAN_LIB) $(ENGINE_SAN_LIB) $(ENGINE_LIBS)

# The same kind of listener written against libcredssp's SSPI porting header
# (lib/sspi.h), for real clients through credssp.ko and credsspd in the guest.
$(BUILD)/sspi_front: tests/front/sspi_front.c $(X224_SRCS) $(BUILD)/libcredssp.a $(LIB_HDRS) \
		$(X224_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -Ilib -Irdp -o $@ $< $(X224_SRCS) $(BUILD)/libcredssp.a \
		$(LIB_LIBS)

# The port test of the SSPI porting header (issue 13): Microsoft's "Using
# SSPI with a Windows Sockets Server" sample, ported (tests/guest/port-interop.sh).
$(BUILD)/sspi_port_server: tests/front/sspi_port_server.c $(X224_SRCS) $(BUILD)/libcredssp.a \
		$(LIB_HDRS) $(X224_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -Ilib -Irdp -o $@ $< $(X224_SRCS) $(BUILD)/libcredssp.a \
		$(LIB_LIBS)

# Benchmarks (bench/, see bench/README): no sanitizers, -O2, linked with a
# release copy of the engine and of the test library.
REL_CFLAGS := $(CFLAGS) -O2
ENGINE_REL_LIB := $(BUILD)/rel/libcsspengine.a
TESTLIB_REL_LIB := $(BUILD)/rel/libtestlib.a
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))

.PHONY: bench
bench: $(BENCH_BINS)

$(BUILD)/rel/helper/%.o: helper/%.c $(ENGINE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) $(ENGINE_CFLAGS) -c -o $@ $<

$(ENGINE_REL_LIB): $(patsubst %.c,$(BUILD)/rel/%.o,$(ENGINE_SRCS))
	rm -f $@
	ar rcs $@ $^

$(BUILD)/rel/tests/lib/%.o: tests/lib/%.c $(TESTLIB_HDRS) $(ENGINE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) -Ihelper -Itests/lib $(ENGINE_CFLAGS) -c -o $@ $<

$(TESTLIB_REL_LIB): $(patsubst %.c,$(BUILD)/rel/%.o,$(TESTLIB_SRCS))
	rm -f $@
	ar rcs $@ $^

$(BUILD)/bench/%: bench/%.c $(TESTLIB_REL_LIB) $(ENGINE_REL_LIB) $(ENGINE_HDRS) $(TESTLIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) -Ihelper -Itests/lib $(ENGINE_CFLAGS) -o $@ $< $(TESTLIB_REL_LIB) \
		$(ENGINE_REL_LIB) $(ENGINE_LIBS)

# ---- credsspd (helper/credsspd/): owned by the credsspd section ----
# build/credsspd is linked with the ASan + UBSan engine copy: the guest
# suites run a sanitized daemon. Its config parser (config.c) is also built
# into the unit test and the fuzzer below, explicit rules that take the
# place of the generic build/unit/% and build/fuzz/% ones for these two.
CREDSSPD_SRCS := $(wildcard helper/credsspd/*.c)
CREDSSPD_HDRS := $(wildcard helper/credsspd/*.h)

credsspd: $(BUILD)/credsspd

$(BUILD)/credsspd: $(CREDSSPD_SRCS) $(CREDSSPD_HDRS) $(ENGINE_SAN_LIB) $(ENGINE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -pthread -Ihelper -Ihelper/credsspd $(ENGINE_CFLAGS) $(NL_CFLAGS) \
		-o $@ $(CREDSSPD_SRCS) $(ENGINE_SAN_LIB) $(ENGINE_LIBS) $(NL_LIBS)

$(BUILD)/unit/credsspd_config: tests/unit/credsspd_config.c helper/credsspd/config.c \
		helper/credsspd/config.h tests/lib/lsan-exit.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -Ihelper/credsspd \
		-isystem "$$($(KSRC_CMD))/tools/testing/selftests" -Wl,--wrap=_exit \
		-o $@ $< helper/credsspd/config.c tests/lib/lsan-exit.c

# The audit line (audit.c), with the engine for cssp_status_name().
$(BUILD)/unit/credsspd_audit: tests/unit/credsspd_audit.c helper/credsspd/audit.c \
		helper/credsspd/audit.h tests/lib/lsan-exit.c $(ENGINE_SAN_LIB) $(ENGINE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -pthread -Ihelper -Ihelper/credsspd $(ENGINE_CFLAGS) \
		-isystem "$$($(KSRC_CMD))/tools/testing/selftests" -Wl,--wrap=_exit \
		-o $@ $< helper/credsspd/audit.c tests/lib/lsan-exit.c $(ENGINE_SAN_LIB) $(ENGINE_LIBS)

$(BUILD)/fuzz/fuzz_credsspd_config: tests/fuzz/fuzz_credsspd_config.c helper/credsspd/config.c \
		helper/credsspd/config.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Ihelper/credsspd -fsanitize=fuzzer,address,undefined \
		-o $@ $< helper/credsspd/config.c
# ---- end credsspd ----

# ---- libcredssp and credsspctl (lib/): owned by the lib section ----
# libcredssp.so.1 (exports listed in lib/libcredssp.map), libcredssp.a, the
# pkg-config file, credsspctl (linked with the static library) and the test
# programs: build/tests/libcredssp (kselftest, linked with libcredssp.a by the
# rule below, not the generic selftest rule) and build/lib/sspi_port (the
# SSPI porting header, linked with libcredssp.so.1). `make install-lib`
# installs under DESTDIR/PREFIX.
LIB_VERSION := 0.1
LIB_SRCS := lib/libcredssp.c lib/demux.c lib/sspi.c
LIB_SRCS += lib/account.c
LIB_HDRS := lib/credssp.h lib/sspi.h lib/internal.h $(UAPI_HDRS)
LIB_OBJS := $(patsubst lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRCS))
LIB_CFLAGS := $(CFLAGS) -fPIC -Ilib $(NL_CFLAGS)
LIB_LIBS := $(NL_LIBS) -lpthread
# credssp_principal_to_local(): krb5_aname_to_localname()
LIB_CFLAGS += $(shell $(PKG_CONFIG) --cflags krb5 2>/dev/null)
LIB_LIBS += $(shell $(PKG_CONFIG) --libs krb5 2>/dev/null)
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man

.PHONY: install-lib
lib: $(BUILD)/libcredssp.so.1 $(BUILD)/libcredssp.so $(BUILD)/libcredssp.a $(BUILD)/credsspctl \
	$(BUILD)/libcredssp.pc $(BUILD)/tests/libcredssp $(BUILD)/lib/sspi_port $(BUILD)/lib/hold \
	$(BUILD)/lib/sspi_handshake

$(BUILD)/lib/%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(BUILD)/libcredssp.so.1: $(LIB_OBJS) lib/libcredssp.map
	$(CC) $(CFLAGS) -shared -Wl,-soname,libcredssp.so.1 -Wl,--version-script=lib/libcredssp.map \
		-Wl,-z,defs -Wl,-z,relro -Wl,-z,now -o $@ $(LIB_OBJS) $(LIB_LIBS)

$(BUILD)/libcredssp.so: $(BUILD)/libcredssp.so.1
	ln -sf libcredssp.so.1 $@

$(BUILD)/libcredssp.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/libcredssp.pc: lib/libcredssp.pc.in Makefile
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@VERSION@|$(LIB_VERSION)|' \
		$< >$@

$(BUILD)/credsspctl: lib/credsspctl.c $(BUILD)/libcredssp.a $(LIB_HDRS)
	$(CC) $(CFLAGS) -Ilib $(NL_CFLAGS) -o $@ $< $(BUILD)/libcredssp.a $(LIB_LIBS)

# Takes precedence over the generic $(BUILD)/tests/% rule: this one links libcredssp.
# lib/tests/fake_helper.c is a scripted stand-in for credsspd.
LIB_FAKE := lib/tests/fake_helper.c lib/tests/fake_helper.h
$(BUILD)/tests/libcredssp: tests/selftests/libcredssp.c $(LIB_FAKE) $(BUILD)/libcredssp.a $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ilib -isystem "$$($(KSRC_CMD))/tools/testing/selftests" $(NL_CFLAGS) \
		-o $@ $< lib/tests/fake_helper.c $(BUILD)/libcredssp.a $(LIB_LIBS)

# The SSPI porting layer through a handshake with the scripted helper.
$(BUILD)/lib/sspi_handshake: lib/tests/sspi_handshake.c $(LIB_FAKE) $(BUILD)/libcredssp.so $(LIB_HDRS) \
		lib/tests/other_thread.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ilib $(NL_CFLAGS) -o $@ $< lib/tests/fake_helper.c -L$(BUILD) \
		-Wl,-rpath,'$$ORIGIN/..' -lcredssp $(NL_LIBS) -lpthread

# hold N CMD: live contexts for credsspctl in tests/guest/suite-lib.sh.
$(BUILD)/lib/hold: lib/tests/hold.c $(LIB_FAKE) $(BUILD)/libcredssp.a $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ilib $(NL_CFLAGS) -o $@ $< lib/tests/fake_helper.c $(BUILD)/libcredssp.a \
		$(LIB_LIBS)

# Only sspi.h names; finds libcredssp.so.1 next to it through the rpath.
$(BUILD)/lib/sspi_port: lib/tests/sspi_port.c $(BUILD)/libcredssp.so $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ilib -o $@ $< -L$(BUILD) -Wl,-rpath,'$$ORIGIN/..' -lcredssp

# tests/unit/sspi.c: the SSPI porting layer on the host (no credssp.ko), the
# library's sources built into it with ASan + UBSan; an explicit rule that
# takes the place of the generic build/unit/% one.
$(BUILD)/unit/sspi: tests/unit/sspi.c $(LIB_SRCS) $(LIB_HDRS) tests/lib/lsan-exit.c \
		lib/tests/other_thread.h
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) $(SAN) -pthread -isystem "$$($(KSRC_CMD))/tools/testing/selftests" \
		-Wl,--wrap=_exit -o $@ $< $(LIB_SRCS) tests/lib/lsan-exit.c $(LIB_LIBS)

# tests/unit/demux.c: the demultiplexer (lib/demux.c) alone, on a socketpair.
$(BUILD)/unit/demux: tests/unit/demux.c lib/demux.c lib/internal.h tests/lib/lsan-exit.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -pthread -Ilib -isystem "$$($(KSRC_CMD))/tools/testing/selftests" \
		-Wl,--wrap=_exit -o $@ $< lib/demux.c tests/lib/lsan-exit.c

install-lib: $(BUILD)/libcredssp.so.1 $(BUILD)/libcredssp.a $(BUILD)/credsspctl
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/credssp/linux \
		$(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BUILD)/libcredssp.so.1 $(DESTDIR)$(LIBDIR)/
	ln -sf libcredssp.so.1 $(DESTDIR)$(LIBDIR)/libcredssp.so
	install -m 0644 $(BUILD)/libcredssp.a $(DESTDIR)$(LIBDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@VERSION@|$(LIB_VERSION)|' \
		lib/libcredssp.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/libcredssp.pc
	install -m 0644 lib/credssp.h lib/sspi.h $(DESTDIR)$(INCLUDEDIR)/credssp/
	install -m 0644 $(UAPI_HDRS) $(DESTDIR)$(INCLUDEDIR)/credssp/linux/
	install -m 0755 $(BUILD)/credsspctl $(DESTDIR)$(SBINDIR)/
	install -m 0644 Documentation/credsspctl.8 $(DESTDIR)$(MANDIR)/man8/
# ---- end lib ----

# ---- install (packaging) ----
# What debian/rules installs, one target per package, each under
# DESTDIR/PREFIX (binaries built as they are: debian/rules builds a release
# tree with BUILD=build/deb SAN=). install-lib (above) installs libcredssp,
# its headers and credsspctl. The units name /usr/sbin: installed with
# SBINDIR's path instead.
#   install-credsspd  credsspd, credsspd.conf, credsspd(8), credsspd.service
#   install-rdpd      credssp-rdpd, its conf, man page, .service and .socket
#   install-dkms      the module source as DKMS builds it, in DKMS_DIR
#   install-all       all of the above and install-lib
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system
KCREDSSP_VERSION := $(LIB_VERSION)
DKMS_DIR ?= /usr/src/credssp-$(KCREDSSP_VERSION)
DKMS_SRCS := $(wildcard kmod/Kbuild kmod/*.[ch] kmod/tests/*.[ch] uapi/linux/*.h include/net/*.h)
UNIT_SED := sed -e 's|/usr/sbin/|$(SBINDIR)/|g'
.PHONY: install-credsspd install-rdpd install-dkms install-all

install-credsspd: $(BUILD)/credsspd
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/credssp $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/credsspd $(DESTDIR)$(SBINDIR)/
	install -m 0644 etc/credsspd.conf $(DESTDIR)$(SYSCONFDIR)/credssp/
	install -m 0644 Documentation/credsspd.8 $(DESTDIR)$(MANDIR)/man8/
	$(UNIT_SED) etc/systemd/credsspd.service >$(DESTDIR)$(UNITDIR)/credsspd.service

install-rdpd: $(BUILD)/credssp-rdpd
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/credssp $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/credssp-rdpd $(DESTDIR)$(SBINDIR)/
	install -m 0644 etc/credssp-rdpd.conf $(DESTDIR)$(SYSCONFDIR)/credssp/
	install -m 0644 Documentation/credssp-rdpd.8 $(DESTDIR)$(MANDIR)/man8/
	$(UNIT_SED) etc/systemd/credssp-rdpd.service >$(DESTDIR)$(UNITDIR)/credssp-rdpd.service
	install -m 0644 etc/systemd/credssp-rdpd.socket $(DESTDIR)$(UNITDIR)/

# Only credssp.ko: dkms.conf builds the single target kmod/credssp.ko, and
# this tree's Kbuild names kmod/ alone (no gate sample, no test modules).
install-dkms:
	install -d $(DESTDIR)$(DKMS_DIR)
	cp -a --parents $(DKMS_SRCS) $(DESTDIR)$(DKMS_DIR)/
	echo 'obj-m += kmod/' >$(DESTDIR)$(DKMS_DIR)/Kbuild
	sed -e 's|#MODULE_VERSION#|$(KCREDSSP_VERSION)|' dkms.conf >$(DESTDIR)$(DKMS_DIR)/dkms.conf

install-all: install-lib install-credsspd install-rdpd install-dkms

# The packages installed in the guest as README.md's "Install on Debian" says,
# on Debian's own kernel under systemd, an RDP client through them, then
# purged (tests/guest/install-debian.sh; about 25 minutes under TCG, most of
# it DKMS building credssp.ko in the guest: not part of `make check`).
INSTALL_KVER ?= 6.1
.PHONY: check-install
check-install:
	tests/guest/install-debian.sh $(INSTALL_KVER)
# ---- end install (packaging) ----

# ---- ktls ----
# kTLS attach through the real helper (tests/guest/suite-ktls.sh): the
# token-mode server build/ktls/ktls_front (libcredssp) and the OpenSSL
# CredSSP client build/ktls/ktls_client (engine DER codec + tests/lib
# initiator), both sanitized. The benchmark (bench/ktls.sh, `make bench-ktls`,
# one guest run on the plain 6.12 kernel): build/bench/ktls_bench (server:
# kTLS send()/sendfile() or userspace OpenSSL) and build/bench/ktls_client
# (the same client, release build); explicit rules that take the place of
# the generic build/bench/% one.
KTLS_HDRS := tests/ktls/ktls_common.h $(LIB_HDRS)
KTLS_BINS := $(BUILD)/ktls/ktls_front $(BUILD)/ktls/ktls_client
.PHONY: ktls bench-ktls
ktls: $(KTLS_BINS)

$(BUILD)/ktls/ktls_front: tests/ktls/ktls_front.c $(KTLS_HDRS) $(BUILD)/libcredssp.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -Ilib -Itests/ktls $(NL_CFLAGS) -o $@ $< $(BUILD)/libcredssp.a \
		$(LIB_LIBS)

$(BUILD)/ktls/ktls_client: tests/ktls/ktls_client.c $(KTLS_HDRS) $(TESTLIB_SAN_LIB) \
		$(ENGINE_SAN_LIB) $(ENGINE_HDRS) $(TESTLIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -Ihelper -Itests/lib -Itests/ktls $(ENGINE_CFLAGS) -o $@ $< \
		$(TESTLIB_SAN_LIB) $(ENGINE_SAN_LIB) $(ENGINE_LIBS)

# The relay modes (make bench-relay, bench/ktls.sh) link credssp-rdpd's own relay, rdp/relay.c.
# The relay on its own (rdp/relay-host.c in place of rdpd.c), as the unit test
# build/unit/rdp_relay links it too.
RDP_RELAY_SRCS := rdp/relay.c rdp/relay-host.c rdp/x224.c rdp/config.c
$(BUILD)/bench/ktls_bench: bench/ktls_bench.c $(KTLS_HDRS) $(BUILD)/libcredssp.a \
		$(RDP_RELAY_SRCS) $(wildcard rdp/*.h)
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) -Ilib -Irdp -Itests/ktls $(NL_CFLAGS) $(ENGINE_CFLAGS) -o $@ $< \
		$(RDP_RELAY_SRCS) $(BUILD)/libcredssp.a $(LIB_LIBS) $(ENGINE_LIBS)

$(BUILD)/bench/ktls_client: tests/ktls/ktls_client.c $(KTLS_HDRS) $(TESTLIB_REL_LIB) \
		$(ENGINE_REL_LIB) $(ENGINE_HDRS) $(TESTLIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) -Ihelper -Itests/lib -Itests/ktls $(ENGINE_CFLAGS) -o $@ $< \
		$(TESTLIB_REL_LIB) $(ENGINE_REL_LIB) $(ENGINE_LIBS)

bench-ktls: $(BUILD)/bench/ktls_bench $(BUILD)/bench/ktls_client credsspd lib
	$(MAKE) module KVER=6.12
	scripts/vm.sh --kernel 6.12 --timeout 1500 -- bench/ktls.sh build/kmod-6.12/kmod
# ---- end ktls ----

# ---- bench-relay, bench-rdp ----
# credssp-rdpd's relay against a userspace OpenSSL relay (bench/ktls.sh with
# the relay modes of bench/ktls_bench.c), and the time from TCP connect to
# the first session PDU, front + xrdp against xrdp alone (bench/rdp.sh):
# this tree built without sanitizers in $(BUILD)/bench-rdp, one run each of
# Debian's own 6.12 kernel image (bench/README).
.PHONY: bench-relay bench-rdp bench-rdp-build
BENCH_RDP := $(BUILD)/bench-rdp
bench-rdp-build:
	$(MAKE) BUILD=$(BENCH_RDP) SAN= KDIR=$$(scripts/debian-kernel.sh --kdir 6.12) module
	$(MAKE) BUILD=$(BENCH_RDP) SAN= credsspd lib $(BENCH_RDP)/credssp-rdpd \
		$(BENCH_RDP)/bench/ktls_bench $(BENCH_RDP)/bench/ktls_client

bench-relay: bench-rdp-build
	kdir=$$(scripts/debian-kernel.sh --kdir 6.12) && \
	scripts/vm.sh --kernel 6.12 --debian --timeout 1500 -- env KTLS_BENCH_BUILD=$(BENCH_RDP) \
		KTLS_BENCH_MODES="relay-openssl relay-splice relay-copy" bench/ktls.sh \
		"$(BENCH_RDP)/kmod-kdir$$(echo "$$kdir" | tr / -)/kmod"

bench-rdp: bench-rdp-build
	bench/rdp.sh -b $(BENCH_RDP) $(RDP_ARGS)
# ---- end bench-relay, bench-rdp ----

# ---- bench-accept ----
# The token-mode and socket-mode accept paths in the guest (bench/accept.sh,
# bench/README): this tree built without sanitizers in its own directory
# ($(BUILD)/bench-accept, never mixed with the sanitized $(BUILD)), then one
# run of the plain 6.12 kernel. ACCEPT_ARGS: e.g. ACCEPT_ARGS="-n 100 -r 2".
.PHONY: bench-accept
bench-accept:
	$(MAKE) BUILD=$(BUILD)/bench-accept SAN= KVER=6.12 module credsspd lib \
		$(BUILD)/bench-accept/sspi_front gates $(BUILD)/bench-accept/bench/ktls_client
	bench/accept.sh -b $(BUILD)/bench-accept $(ACCEPT_ARGS) .
# ---- end bench-accept ----

# ---- load-run ----
# Socket-mode handshakes under load with the real credsspd (issue 16, 4;
# tests/guest/load.sh): 1000 at once, then 10 000 in a row with the kernel's
# and credsspd's memory sampled, on Debian's 6.12 kernel with 8 GiB. The
# daemons and the client are built without sanitizers ($(BUILD)/load), the
# module against Debian's headers. LOAD_ARGS: e.g. "200 2 500 20".
.PHONY: load-run
load-run:
	$(MAKE) BUILD=$(BUILD)/load SAN= credsspd lib $(BUILD)/load/sock_client
	$(MAKE) module KDIR="$$(scripts/debian-kernel.sh --kdir 6.12)"
	scripts/vm.sh --kernel 6.12 --debian --mem 8192 --timeout 7200 -- env \
		LOAD_BUILD=$(abspath $(BUILD)/load) \
		MODDIR=$(abspath $(BUILD))/kmod-kdir$$(scripts/debian-kernel.sh --kdir 6.12 | tr / -)/kmod \
		tests/guest/load.sh $(LOAD_ARGS)
# ---- end load-run ----

# ---- bench-ctx ----
# bench/ctx_scale.sh: the kernel's context handling at scale, N established
# contexts held at once with a fake helper (no TLS, no NTLM), on Debian's
# own 6.12 (bench/README, "ctx_scale"). build/bench/ctx_scale is an explicit
# rule that takes the place of the generic build/bench/% one (no engine).
# CTX_ARGS: e.g. CTX_ARGS="-- -n 10000 -b 100" (after --: ctx_scale's own).
.PHONY: bench-ctx
$(BUILD)/bench/ctx_scale: bench/ctx_scale.c tests/selftests/credssp_nl.h $(UAPI_HDRS)
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) -Itests/selftests $(NL_CFLAGS) -o $@ $< $(NL_LIBS) -lpthread

bench-ctx: $(BUILD)/bench/ctx_scale
	$(MAKE) module KDIR="$$(scripts/debian-kernel.sh --kdir 6.12)"
	bench/ctx_scale.sh $(CTX_ARGS)
# ---- end bench-ctx ----

# ---- bench-threads ----
# bench/threads.sh: N threads of sspi_front --threads accepting at once
# through one sspi.h session, on Debian's own 6.12 (bench/README, "threads").
.PHONY: bench-threads
bench-threads:
	$(MAKE) BUILD=$(BUILD)/bench-accept SAN= credsspd lib $(BUILD)/bench-accept/sspi_front \
		$(BUILD)/bench-accept/bench/ktls_client
	$(MAKE) module KDIR="$$(scripts/debian-kernel.sh --kdir 6.12)"
	bench/threads.sh -b $(BUILD)/bench-accept $(THREADS_ARGS)
# ---- end bench-threads ----

# ---- bench-peers ----
# bench/peers.sh: kcredssp (socket and token mode) against freerdp-shadow-cli
# of FreeRDP 2 and 3 as NLA servers, auth/s and server CPU per authentication
# at concurrency 1, 8 and 64, on Debian's own 6.12 (bench/README, "peers").
# The output is kept in bench/results/peers.txt (bench/plot.py draws it).
# PEERS_ARGS: e.g. PEERS_ARGS="-r 3 -n '1:4 8:16 64:128'" (default -r 2 -n '1:2 8:8 64:64').
.PHONY: bench-peers
bench-peers:
	$(MAKE) BUILD=$(BUILD)/bench-accept SAN= credsspd lib $(BUILD)/bench-accept/sspi_front gates
	$(MAKE) module KDIR="$$(scripts/debian-kernel.sh --kdir 6.12)"
	@mkdir -p bench/results
	bash -o pipefail -c 'bench/peers.sh -b $(BUILD)/bench-accept $(PEERS_ARGS) | tee bench/results/peers.txt'
# ---- end bench-peers ----

# ---- gates ----
# The RDP NLA gates (Documentation/gate.rst): credssp_gate.ko is built with
# the module (samples/kgate, see KMOD_SRCS); build/credssp-gate is the same
# gate in userspace on libcredssp's socket mode (with ASan and UBSan, like
# sspi_front: the guest tests run it).
.PHONY: gates
gates: $(BUILD)/credssp-gate

$(BUILD)/credssp-gate: samples/ugate/credssp-gate.c $(X224_SRCS) $(BUILD)/libcredssp.a \
		$(LIB_HDRS) $(X224_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -Ilib -Irdp -o $@ $< $(X224_SRCS) $(BUILD)/libcredssp.a $(LIB_LIBS)
# ---- end gates ----

# ---- rdpd ----
# credssp-rdpd, the RDP NLA front for xrdp (rdp/, Documentation/credssp-rdpd.rst),
# linked with libcredssp and built with ASan + UBSan like the gates (the guest
# test tests/guest/rdp-xrdp.sh runs it). Its codecs (rdp/x224.c, mcs.c,
# info.c, creds.c) and configuration parser (config.c) are pure: the host unit
# tests build/unit/rdp_codec and build/unit/rdpd_config (and build/unit/rdp_relay
# the session relay, relay.c, over socketpairs), and the fuzzers
# build/fuzz/fuzz_rdp_{mcs,info,creds} and fuzz_rdpd_config, link them
# directly (explicit rules that take the place of the generic ones).
RDP_CODEC_SRCS := rdp/x224.c rdp/mcs.c rdp/info.c rdp/creds.c
RDP_HDRS := $(wildcard rdp/*.h)
RDPD_SRCS := rdp/rdpd.c rdp/conn.c rdp/relay.c rdp/config.c $(RDP_CODEC_SRCS)
KRB5_LIBS := $(shell $(PKG_CONFIG) --libs krb5 2>/dev/null)
RDP_FUZZ := $(BUILD)/fuzz/fuzz_rdp_mcs $(BUILD)/fuzz/fuzz_rdp_info $(BUILD)/fuzz/fuzz_rdp_creds \
	$(BUILD)/fuzz/fuzz_rdpd_config
.PHONY: rdpd rdpd-fuzz
rdpd: $(BUILD)/credssp-rdpd $(BUILD)/unit/rdp_codec $(BUILD)/unit/rdpd_config $(BUILD)/unit/rdp_relay

rdpd-fuzz: $(RDP_FUZZ)

$(BUILD)/credssp-rdpd: $(RDPD_SRCS) $(RDP_HDRS) $(BUILD)/libcredssp.a $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -pthread -Ilib -Irdp -o $@ $(RDPD_SRCS) $(BUILD)/libcredssp.a \
		$(LIB_LIBS) $(KRB5_LIBS)

$(BUILD)/unit/rdp_codec: tests/unit/rdp_codec.c $(RDP_CODEC_SRCS) $(RDP_HDRS) tests/lib/lsan-exit.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -Irdp -isystem "$$($(KSRC_CMD))/tools/testing/selftests" \
		-Wl,--wrap=_exit -o $@ $< $(RDP_CODEC_SRCS) tests/lib/lsan-exit.c

$(BUILD)/unit/rdpd_config: tests/unit/rdpd_config.c rdp/config.c rdp/config.h tests/lib/lsan-exit.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -Irdp -isystem "$$($(KSRC_CMD))/tools/testing/selftests" \
		-Wl,--wrap=_exit -o $@ $< rdp/config.c tests/lib/lsan-exit.c

$(BUILD)/unit/rdp_relay: tests/unit/rdp_relay.c $(RDP_RELAY_SRCS) $(RDP_HDRS) tests/lib/lsan-exit.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -pthread -Irdp -isystem "$$($(KSRC_CMD))/tools/testing/selftests" \
		-Wl,--wrap=_exit -o $@ $< $(RDP_RELAY_SRCS) tests/lib/lsan-exit.c

$(BUILD)/fuzz/fuzz_rdp_%: tests/fuzz/fuzz_rdp_%.c $(RDP_CODEC_SRCS) $(RDP_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Irdp -fsanitize=fuzzer,address,undefined -o $@ $< \
		$(RDP_CODEC_SRCS)

$(BUILD)/fuzz/fuzz_rdpd_config: tests/fuzz/fuzz_rdpd_config.c rdp/config.c rdp/config.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Irdp -fsanitize=fuzzer,address,undefined -o $@ $< rdp/config.c
# ---- end rdpd ----

# ---- sock ----
# Socket mode end to end (tests/guest/suite-sock.sh): build/sock_client, the
# OpenSSL CredSSP client of tests/lib against credssp.ko's ACCEPT_SOCKET
# through libcredssp, with the real credsspd. It replaces the engine calls
# of cssp_client.c with the socket, so it links the engine's DER codec and
# buffers but not the engine itself.
.PHONY: sock
sock: $(BUILD)/sock_client

$(BUILD)/sock_client: tests/front/sock_client.c $(TESTLIB_SAN_LIB) $(BUILD)/san/helper/der.o \
		$(BUILD)/san/helper/buf.o $(BUILD)/libcredssp.a $(LIB_HDRS) $(TESTLIB_HDRS) \
		$(ENGINE_HDRS) tests/ktls/ktls_common.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -pthread -Ilib -Ihelper -Itests/lib -Itests/ktls $(ENGINE_CFLAGS) $(NL_CFLAGS) \
		-o $@ $< $(TESTLIB_SAN_LIB) $(BUILD)/san/helper/der.o $(BUILD)/san/helper/buf.o \
		$(BUILD)/libcredssp.a $(LIB_LIBS) $(ENGINE_LIBS)
# ---- end sock ----

# The YNL CLI of linux-source-6.12 (tools/net/ynl) and its schema, copied
# where the guest can read them (the guest's /root is a tmpfs): an
# independent client of the family for tests/guest/suite-ynl.sh.
.PHONY: ynl
ynl: $(BUILD)/ynl/cli.py

$(BUILD)/ynl/cli.py:
	rm -rf $(BUILD)/ynl && mkdir -p $(BUILD)/ynl
	src="$$($(KSRC_CMD))" && cp -r "$$src/tools/net/ynl/cli.py" "$$src/tools/net/ynl/lib" \
		"$$src/Documentation/netlink/genetlink.yaml" $(BUILD)/ynl/

# The kselftest harness comes from the kernel source; the tests run in the guest.
$(BUILD)/tests/%: tests/selftests/%.c tests/selftests/credssp_nl.h $(UAPI_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -isystem "$$($(KSRC_CMD))/tools/testing/selftests" $(NL_CFLAGS) \
		-o $@ $< $(NL_LIBS)

# Out-of-tree module build in a copy of the sources per kernel, so that the
# 6.12 and 6.1 builds (and a real system's) never share object files.
module: $(MOD_OUT)/kmod/credssp.ko

$(MOD_OUT)/kmod/credssp.ko: $(KMOD_SRCS)
	@mkdir -p $(MOD_OUT)
	cp -a --parents $(KMOD_SRCS) $(MOD_OUT)/
	$(MAKE) -C "$$($(KDIR_CMD))" M=$(abspath $(MOD_OUT)) $(if $(C),C=$(C)) modules

install: module install-lib
	$(MAKE) -C "$$($(KDIR_CMD))" M=$(abspath $(MOD_OUT)) modules_install
	depmod -a

check:
	scripts/check.sh all

# The family's uapi header and kernel policies, from the YNL spec.
.PHONY: ynl-gen
ynl-gen:
	scripts/ynl-gen.sh

check-host:
	scripts/check.sh host

# A longer fuzzing run on demand, each fuzzer FUZZ_SECONDS from its corpus,
# or FUZZ_RUNS executions (FUZZ_RUNS=10000000: issue 16's figure); FUZZERS
# picks some ("fuzz_der fuzz_engine"). Executions and rates are in
# build/results/host/fuzz_*.tap.
FUZZ_SECONDS ?= 600
FUZZ_RUNS ?=
FUZZERS ?=
fuzz-run:
	KCREDSSP_FUZZ_SECONDS=$(FUZZ_SECONDS) KCREDSSP_FUZZ_RUNS=$(FUZZ_RUNS) \
		KCREDSSP_FUZZERS="$(FUZZERS)" scripts/check.sh fuzz

# After a long run: its corpus, minimized, into tests/fuzz/corpus/NAME/grown/.
.PHONY: fuzz-corpus
fuzz-corpus: fuzz
	scripts/fuzz-corpus.sh $(FUZZERS)

check-guest:
	scripts/check.sh guest $(KVER)

# The netlink fuzzer (tests/selftests/credssp_nlfuzz.c; make check runs a
# short smoke of it) for a long run alone in the debug guest of KVER:
# NLFUZZ_MESSAGES messages, seed NLFUZZ_SEED (default random, printed); its
# TAP in build/results/nlfuzz/nlfuzz.tap. NLFUZZ_SOCKETS consumer sockets
# (default 8, the fuzzer's most). The guest's CPU bounds the rate: on a quiet
# host both of QEMU's vCPU threads run at 100%, about 200 messages/s, so a
# million take about 85 minutes; anything else on the machine slows it.
NLFUZZ_MESSAGES ?= 1000000
NLFUZZ_SOCKETS ?= 8
NLFUZZ_SEED ?=
NLFUZZ_TIMEOUT ?= 14400
.PHONY: fuzz-netlink
fuzz-netlink:
	$(MAKE) --no-print-directory module selftests KVER=$(KVER) DEBUG=1
	rm -rf $(BUILD)/results/nlfuzz && mkdir -p $(BUILD)/results/nlfuzz
	scripts/vm.sh --kernel $(KVER) --debug --timeout $(NLFUZZ_TIMEOUT) \
		--results $(abspath $(BUILD)/results/nlfuzz) -- \
		tests/guest/nlfuzz.sh $(BUILD)/kmod-$(KVER)-debug/kmod \
		--messages $(NLFUZZ_MESSAGES) --seconds 0 --sockets $(NLFUZZ_SOCKETS) \
		$(if $(NLFUZZ_SEED),--seed $(NLFUZZ_SEED))

demo:
	scripts/demo.sh

clean:
	rm -rf $(BUILD)

# sparse on every kernel file, whether or not it needs rebuilding
sparse: module
	$(MAKE) -C "$$($(KDIR_CMD))" M=$(abspath $(MOD_OUT)) C=2 CF=-D__CHECK_ENDIAN__ modules
