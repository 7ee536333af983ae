# SPDX-License-Identifier: BSD-3-Clause
#
# make           build everything into .output/
# make demo      install what is missing, build, run the demo
# make check     install what is missing, build, run every test
# make bench     measure (prints figures, asserts nothing)
# make kmod      build como.ko with Kbuild (see Kbuild)
# make style     where code departs from .clang-format (the kernel's style)
# V=1 shows the commands.

OUT	:= .output
BIN	:= $(OUT)/bin
OBJ	:= $(OUT)/obj
SKEL	:= $(OUT)/skel
MODOUT	:= $(OUT)/modules

CC	?= cc
CLANG	?= clang
BPFTOOL	?= bpftool
PKGS	:= libbpf libpcap json-c zlib libnl-genl-3.0 libxdp

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

MODULES	:= $(notdir $(wildcard modules/*))
LIB_OBJS := $(patsubst user/lib/%.c,$(OBJ)/lib/%.o,$(wildcard user/lib/*.c))
COMOD_OBJS := $(patsubst user/comod/%.c,$(OBJ)/comod/%.o,$(wildcard user/comod/*.c))
COMO_OBJS := $(patsubst user/como/%.c,$(OBJ)/como/%.o,$(wildcard user/como/*.c))
COMOCTL_OBJS := $(patsubst user/comoctl/%.c,$(OBJ)/comoctl/%.o,$(wildcard user/comoctl/*.c))
# modules resolve the core's services (como_emit...) from the program
LINK_CORE = -rdynamic -Wl,--whole-archive $(OUT)/libcomo.a -Wl,--no-whole-archive \
	    $(PKG_LIBS) -lelf -ldl -lm

PROGS	:= $(BIN)/comod $(BIN)/como $(BIN)/comoctl $(BIN)/gentrace $(BIN)/como-oracle \
	   $(BIN)/pcap-filter-count
SOS	:= $(patsubst %,$(MODOUT)/%.so,$(MODULES))
# modules that exist to be refused, for the tests
TEST_MODULES := $(notdir $(wildcard tests/modules/*))
TEST_SOS := $(patsubst %,$(OUT)/test-modules/%.so,$(TEST_MODULES))
# the kernel tests' netlink fuzzer and probe (run in the guest, tests/kmod.t)
PROGS	+= $(BIN)/nlfuzz
# libFuzzer targets for every parser of outside input
FUZZERS	:= $(patsubst tests/fuzz/%.c,$(OUT)/fuzz/%,$(wildcard tests/fuzz/*.c))

.PHONY: all deps demo check bench kmod style clean fuzzers
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
$(OUT)/bpf/$(1).bpf.o: $(2)/$(1)/$(1).bpf.c bpf/como.bpf.h bpf/module.bpf.h $(wildcard include/como/*.h) $(OUT)/vmlinux.h | $(OUT)/bpf
	$$(call msg,BPF,$$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $$< -o $$@

# a module's user side is a .so with its capture side embedded
$(3)/$(1).so: $(2)/$(1)/$(1).c $(SKEL)/$(1).skel.h include/como/module.h
	$$(call msg,MOD,$$@)
	$(Q)mkdir -p $(3)
	$(Q)$(CC) $(CFLAGS) -fPIC -shared $$< -o $$@
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
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

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
	    user/lib/names.c user/lib/dirfd.c

fuzzers: $(FUZZERS)

$(OUT)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB) | $(OUT)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(OUT)/fuzz
	$(Q)$(CLANG) -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
		-Iinclude -Iinclude/uapi -Iuser/lib $< $(FUZZ_LIB) -o $@ \
		$$(pkg-config --cflags --libs libbpf zlib libnl-genl-3.0 json-c)

$(BIN)/gentrace: $(wildcard tools/gentrace/*.c tools/gentrace/*.h) | $(BIN)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(filter %.c,$^) -o $@ $$(pkg-config --cflags --libs libpcap) -lm

$(BIN)/pcap-filter-count: tests/oracle/pcap-filter-count.c | $(BIN)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@ $$(pkg-config --cflags --libs libpcap)

$(BIN)/como-oracle: tests/oracle/como-oracle.c | $(BIN)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@ $$(pkg-config --cflags --libs libpcap)

$(BIN)/nlfuzz: tests/kernel/nlfuzz.c include/uapi/linux/como.h | $(BIN)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@
