# SPDX-License-Identifier: BSD-3-Clause
#
# make           build everything into .output/
# make demo      install what is missing, build, run the demo
# make check     install what is missing, build, run every test
# make bench     measure (prints figures, asserts nothing)
# make kmod      build como.ko with Kbuild (see Kbuild)
# make style     where code departs from .clang-format (the kernel's style)
# make install   programs, modules, module headers, como.pc, man pages into
#                PREFIX (/usr/local), DESTDIR honoured; make uninstall
# V=1 shows the commands.

OUT	:= .output
BIN	:= $(OUT)/bin
OBJ	:= $(OUT)/obj
SKEL	:= $(OUT)/skel
MODOUT	:= $(OUT)/modules

CC	?= cc
CLANG	?= clang
BPFTOOL	?= bpftool
PKGS	:= libbpf libpcap json-c libdeflate libnl-genl-3.0 libxdp libmicrohttpd libcurl

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WERROR	:= $(if $(filter true,$(CI)),-Werror)
CFLAGS	?= -O2 -g
CFLAGS	+= -D_GNU_SOURCE -Wall -Wextra $(WERROR) -Iinclude -Iinclude/uapi -Iuser/lib -I$(SKEL)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
BPF_CFLAGS := -g -fstandalone-debug -O2 -target bpf -D__TARGET_ARCH_x86 -Wall $(WERROR) \
	      -I$(OUT) -Iinclude -Ibpf

# Every folder modules/NAME/ with NAME.bpf.c and NAME.c is a module, built
# into $(MODOUT)/NAME.so (what como module new writes there too).
MODULES	:= $(foreach d,$(notdir $(wildcard modules/*)),$(if $(wildcard modules/$(d)/$(d).bpf.c),$(d)))
LIB_OBJS := $(patsubst user/lib/%.c,$(OBJ)/lib/%.o,$(wildcard user/lib/*.c))
COMOD_OBJS := $(patsubst user/comod/%.c,$(OBJ)/comod/%.o,$(wildcard user/comod/*.c))
COMO_OBJS := $(patsubst user/como/%.c,$(OBJ)/como/%.o,$(wildcard user/como/*.c))
COMOCTL_OBJS := $(patsubst user/comoctl/%.c,$(OBJ)/comoctl/%.o,$(wildcard user/comoctl/*.c))
# modules resolve the core's services (como_emit...) from the program
LINK_CORE = -rdynamic -Wl,--whole-archive $(OUT)/libcomo.a -Wl,--no-whole-archive \
	    $(PKG_LIBS) -lelf -ldl -lm

# every tests/oracle/NAME.c is a libpcap program of its own: an oracle
ORACLES	:= $(patsubst tests/oracle/%.c,$(BIN)/%,$(wildcard tests/oracle/*.c))
PROGS	:= $(BIN)/comod $(BIN)/como $(BIN)/comoctl $(BIN)/gentrace $(ORACLES)
SOS	:= $(patsubst %,$(MODOUT)/%.so,$(MODULES))
# modules that exist to be refused, for the tests
TEST_MODULES := $(notdir $(wildcard tests/modules/*))
TEST_SOS := $(patsubst %,$(OUT)/test-modules/%.so,$(TEST_MODULES))
# the kernel tests' netlink fuzzer and probe (run in the guest, tests/kmod.t)
PROGS	+= $(BIN)/nlfuzz
# libFuzzer targets for every parser of outside input
FUZZERS	:= $(patsubst tests/fuzz/%.c,$(OUT)/fuzz/%,$(wildcard tests/fuzz/*.c))

.PHONY: all deps demo check bench kmod style clean fuzzers install uninstall
.SECONDARY:

all: $(PROGS) $(SOS) $(FUZZERS) $(TEST_SOS)

deps:
	$(Q)tools/deps.sh

demo:
	$(Q)tools/deps.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/demo.sh

check:
	$(Q)tools/deps.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)prove -f tests/*.t

bench:
	$(Q)tools/deps.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)COMO=$(BIN)/como GENTRACE=$(BIN)/gentrace tools/bench/bench.sh -o $(OUT)/bench

# Debian's linux-headers-amd64 (tools/deps.sh) for the guest's kernel
KDIR	?= $(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64)))

kmod:
	$(Q)test -n "$(KDIR)" || { echo "kmod: no kernel headers (apt-get install linux-headers-amd64)"; exit 1; }
	$(Q)$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules
	$(Q)mkdir -p $(OUT)/kernel && cp kernel/como.ko $(OUT)/kernel/como.ko

# like checkpatch: it shows where code departs, a person decides
style:
	$(Q)for f in $$(git ls-files '*.c' '*.h'); do \
		n=$$(clang-format --dry-run $$f 2>&1 | grep -c 'warning:'); \
		[ "$$n" -eq 0 ] || echo "$$f: $$n places differ from .clang-format"; \
	done

clean:
	$(Q)rm -rf $(OUT)

$(OUT) $(BIN) $(OBJ)/lib $(OBJ)/comod $(OBJ)/como $(OBJ)/comoctl $(SKEL) $(MODOUT) $(OUT)/bpf:
	$(Q)mkdir -p $@

$(OUT)/vmlinux.h: | $(OUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

# BPF objects and skeletons: bpf/X.bpf.c and modules/X/X.bpf.c
$(OUT)/bpf/dispatch.bpf.o: bpf/dispatch.bpf.c bpf/como.bpf.h $(wildcard include/como/*.h) $(OUT)/vmlinux.h | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# module_rules NAME SRCDIR OUTDIR
define module_rules
$(OUT)/bpf/$(1).bpf.o: $(2)/$(1)/$(1).bpf.c bpf/como.bpf.h bpf/module.bpf.h bpf/state.bpf.h $(wildcard $(2)/$(1)/*.h) $(wildcard include/como/*.h) $(OUT)/vmlinux.h | $(OUT)/bpf
	$$(call msg,BPF,$$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $$< -o $$@

# a module's user side is a .so with its capture side embedded
$(3)/$(1).so: $(2)/$(1)/$(1).c $(wildcard $(2)/$(1)/*.h) $(SKEL)/$(1).skel.h include/como/module.h
	$$(call msg,MOD,$$@)
	$(Q)mkdir -p $(3)
	$(Q)$(CC) $(CFLAGS) -fPIC -shared $$< -o $$@ -lm
endef
$(foreach m,$(MODULES),$(eval $(call module_rules,$(m),modules,$(MODOUT))))
$(foreach m,$(TEST_MODULES),$(eval $(call module_rules,$(m),tests/modules,$(OUT)/test-modules)))

$(SKEL)/%.skel.h: $(OUT)/bpf/%.bpf.o | $(SKEL)
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

# user space
$(OBJ)/lib/%.o: user/lib/%.c $(wildcard user/lib/*.h include/como/*.h) | $(OBJ)/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) -fPIC -c $< -o $@

$(OUT)/libcomo.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(OBJ)/comod/%.o: user/comod/%.c $(wildcard user/comod/*.h user/lib/*.h include/como/*.h) $(SKEL)/dispatch.skel.h | $(OBJ)/comod
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(OBJ)/como/%.o: user/como/%.c $(wildcard user/como/*.h user/lib/*.h include/como/*.h) | $(OBJ)/como
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -I$(OUT)/gen $(PKG_CFLAGS) -c $< -o $@

# como module new's templates, carried in the binary
$(OBJ)/como/scaffold.o: $(OUT)/gen/scaffold_files.h
$(OUT)/gen/scaffold_files.h: mk/embed.awk $(wildcard share/scaffold/*) | $(OUT)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(OUT)/gen
	$(Q)awk -f mk/embed.awk $(sort $(wildcard share/scaffold/*)) > $@.tmp && mv $@.tmp $@

$(OBJ)/comoctl/%.o: user/comoctl/%.c $(wildcard user/comoctl/*.h user/lib/*.h) | $(OBJ)/comoctl
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser/como $(PKG_CFLAGS) -c $< -o $@

$(BIN)/comod: $(COMOD_OBJS) $(OUT)/libcomo.a | $(BIN)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(COMOD_OBJS) -o $@ $(LINK_CORE)

$(BIN)/como: $(COMO_OBJS) $(OUT)/libcomo.a | $(BIN)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(COMO_OBJS) -o $@ $(LINK_CORE)

$(BIN)/comoctl: $(COMOCTL_OBJS) $(OUT)/libcomo.a | $(BIN)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(COMOCTL_OBJS) -o $@ $(OUT)/libcomo.a $(PKG_LIBS) -lm

FUZZ_LIB := user/lib/mod.c user/lib/config.c user/lib/log.c user/lib/units.c user/lib/timewin.c \
	    user/lib/store.c user/lib/store_read.c user/lib/store_seg.c \
	    user/lib/store_index.c user/lib/ctl_client.c user/lib/ctl_policy.c \
	    user/lib/names.c user/lib/dirfd.c user/lib/http_req.c user/lib/out.c \
	    user/lib/addr_text.c user/lib/pcapmap.c \
	    user/lib/hostport.c

fuzzers: $(FUZZERS)

# a module's parser is a header its fuzz target includes; the time index
# in small spans and blocks, so that a small stream has many of each
$(OUT)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB) $(wildcard modules/*/*.h) | $(OUT)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(OUT)/fuzz
	$(Q)$(CLANG) -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
		-DSTORE_INDEX_SPAN=512 -DSTORE_INDEX_BLOCK=4 \
		-Iinclude -Iinclude/uapi -Iuser/lib $< $(FUZZ_LIB) -o $@ \
		$$(pkg-config --cflags --libs libbpf libdeflate libnl-genl-3.0 json-c libpcap)

$(BIN)/gentrace: $(wildcard tools/gentrace/*.c tools/gentrace/*.h) | $(BIN)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(filter %.c,$^) -o $@ $$(pkg-config --cflags --libs libpcap) -lm

$(ORACLES): $(BIN)/%: tests/oracle/%.c | $(BIN)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@ $$(pkg-config --cflags --libs libpcap) -lm

$(BIN)/nlfuzz: tests/kernel/nlfuzz.c include/uapi/linux/como.h | $(BIN)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

# make install: what runs, what it loads, and what a module outside this
# tree builds against. The binaries sit together in BINDIR (como run
# starts the comod beside it); modules go to PREFIX/lib/como/modules,
# the directory the module path finds beside BINDIR (user/lib/mod.c:
# BINDIR/../lib/como/modules, and /usr/lib/como/modules for PREFIX=/usr).
PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
LIBDIR	?= $(PREFIX)/lib
INCDIR	?= $(PREFIX)/include
DATADIR	?= $(PREFIX)/share
MANDIR	?= $(DATADIR)/man
PCDIR	?= $(LIBDIR)/pkgconfig
VERSION	:= 0.1
# the headers a module's two sides include
MOD_HEADERS := $(wildcard include/como/*.h) bpf/como.bpf.h bpf/module.bpf.h bpf/state.bpf.h

install: $(PROGS) $(SOS) $(OUT)/vmlinux.h como.pc.in mk/module.mk
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/como/modules \
		$(DESTDIR)$(INCDIR)/como/vmlinux $(DESTDIR)$(DATADIR)/como \
		$(DESTDIR)$(PCDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8
	$(Q)install -m 0755 $(BIN)/como $(BIN)/comod $(BIN)/comoctl $(DESTDIR)$(BINDIR)
	$(Q)install -m 0644 $(SOS) $(DESTDIR)$(LIBDIR)/como/modules
	$(Q)install -m 0644 $(MOD_HEADERS) $(DESTDIR)$(INCDIR)/como
	$(Q)install -m 0644 $(OUT)/vmlinux.h $(DESTDIR)$(INCDIR)/como/vmlinux
	$(Q)install -m 0644 mk/module.mk $(DESTDIR)$(DATADIR)/como/module.mk
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' como.pc.in \
		> $(DESTDIR)$(PCDIR)/como.pc && chmod 0644 $(DESTDIR)$(PCDIR)/como.pc
	$(Q)install -m 0644 man/*.1 $(DESTDIR)$(MANDIR)/man1
	$(Q)install -m 0644 man/*.5 $(DESTDIR)$(MANDIR)/man5
	$(Q)install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8

# what install wrote, by name; modules installed by others stay
uninstall:
	$(call msg,REMOVE,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(addprefix $(DESTDIR)$(BINDIR)/,como comod comoctl) \
		$(addprefix $(DESTDIR)$(LIBDIR)/como/modules/,$(notdir $(SOS))) \
		$(addprefix $(DESTDIR)$(INCDIR)/como/,$(notdir $(MOD_HEADERS))) \
		$(DESTDIR)$(INCDIR)/como/vmlinux/vmlinux.h \
		$(DESTDIR)$(DATADIR)/como/module.mk $(DESTDIR)$(PCDIR)/como.pc \
		$(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(wildcard man/*.1))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(wildcard man/*.5))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(wildcard man/*.8)))
	$(Q)rmdir $(DESTDIR)$(INCDIR)/como/vmlinux $(DESTDIR)$(INCDIR)/como \
		$(DESTDIR)$(DATADIR)/como $(DESTDIR)$(LIBDIR)/como/modules \
		$(DESTDIR)$(LIBDIR)/como 2> /dev/null || true
