# SPDX-License-Identifier: BSD-3-Clause
#
# Builds one como module outside como's tree, against the installed como.
# A module's Makefile sets MODULE and includes this file, which
# 'pkg-config --variable=module_mk como' names:
#
#	MODULE := mymod
#	include $(shell pkg-config --variable=module_mk como)
#
# From the module's folder:
#	MODULE.bpf.c	the capture side -> MODULE.bpf.o (clang -target bpf)
#	MODULE.skel.h	made by bpftool from MODULE.bpf.o, which it embeds
#	MODULE.c	the user side    -> MODULE.so, the file comod loads
#	*.h		the types both sides share
#
# Targets: all (MODULE.so), test (./test.t, when there is one), install
# (MODULE.so into como's module directory, DESTDIR honoured), clean.
# Variables: CC, CLANG, BPFTOOL, PKG_CONFIG, CFLAGS; VMLINUX_DIR, a
# directory with another vmlinux.h. 'make vmlinux' writes the running
# kernel's into the module's folder, used from then on; the installed one
# serves other kernels too, as modules use only the stable types of XDP
# and BPF maps.

MODULE		?= $(notdir $(CURDIR))
CC		?= cc
CLANG		?= clang
BPFTOOL		?= bpftool
PKG_CONFIG	?= pkg-config
CFLAGS		?= -O2 -g
# a vmlinux.h in the module's folder (make vmlinux) is used first
VMLINUX_DIR	?= $(if $(wildcard vmlinux.h),.)

COMO_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags como)
COMO_BPF_CFLAGS	:= $(shell $(PKG_CONFIG) --variable=bpf_cflags como)
COMO_MODULEDIR	:= $(shell $(PKG_CONFIG) --variable=moduledir como)
COMO_ARCH	:= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' \
			-e 's/ppc64le/powerpc/' -e 's/s390x/s390/' -e 's/riscv64/riscv/')

ifeq ($(COMO_MODULEDIR),)
$(error pkg-config finds no como (pkg-config como): set PKG_CONFIG_PATH to the directory of como.pc)
endif

.PHONY: all test install clean vmlinux
.DELETE_ON_ERROR:

all: $(MODULE).so

$(MODULE).bpf.o: $(MODULE).bpf.c $(filter-out $(MODULE).skel.h,$(wildcard *.h))
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(COMO_ARCH) -Wall \
		$(if $(VMLINUX_DIR),-I$(VMLINUX_DIR)) $(COMO_BPF_CFLAGS) -c $< -o $@

$(MODULE).skel.h: $(MODULE).bpf.o
	$(BPFTOOL) gen skeleton $< name $(MODULE)_bpf > $@

# comod provides the core's services (como_emit...); libm is the module's own
$(MODULE).so: $(MODULE).c $(MODULE).skel.h $(wildcard *.h)
	$(CC) $(CFLAGS) -Wall -fPIC -shared -I. $(COMO_CFLAGS) $< -o $@ -lm

test: $(MODULE).so
	./test.t

install: $(MODULE).so
	install -d $(DESTDIR)$(COMO_MODULEDIR)
	install -m 0644 $(MODULE).so $(DESTDIR)$(COMO_MODULEDIR)/$(MODULE).so

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h

clean:
	rm -f $(MODULE).bpf.o $(MODULE).skel.h $(MODULE).so
