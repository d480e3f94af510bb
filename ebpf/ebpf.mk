# SPDX-License-Identifier: GPL-2.0
#
# kvtier-trace and its BPF programs. Every ebpf/x.bpf.c is compiled with
# clang for the BPF target into $(BUILD)/ebpf/bpf/x.bpf.o, and
# `bpftool gen skeleton` turns that into $(BUILD)/ebpf/x.skel.h, which the
# loader ebpf/x.c includes. The loaders, the shared parts and the main
# (kvtier-trace.c) link into $(BUILD)/kvtier-trace (libbpf shared) and
# $(BUILD)/static/kvtier-trace (static, for the VM's initramfs).
#
# No vmlinux.h: the programs read the driver's tracepoints through the
# hand-written records of kvtier_tp.h and kvtierd's USDT arguments through
# pt_regs as the uAPI headers declare it (-D__TARGET_ARCH_x86 with
# <asm/ptrace.h>), so the build does not depend on the kernel the build
# machine runs, nor the programs on BTF of any kernel (ebpf/README.md).
#
# clang, llvm-strip and bpftool come from `make deps` (clang, llvm,
# bpftool); a missing one fails the build, it is never skipped.

EBPF_DIR      := ebpf
EBPF_OUT      := $(BUILD)/ebpf
BPF_CLANG     ?= clang
BPF_STRIP     ?= llvm-strip
BPFTOOL       ?= bpftool
EBPF_ARCH     := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
EBPF_MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

EBPF_TOOLS    := $(patsubst $(EBPF_DIR)/%.bpf.c,%,$(wildcard $(EBPF_DIR)/*.bpf.c))
EBPF_SKELS    := $(patsubst %,$(EBPF_OUT)/%.skel.h,$(EBPF_TOOLS))
EBPF_SRCS     := $(filter-out %.bpf.c,$(wildcard $(EBPF_DIR)/*.c))
EBPF_OBJS     := $(call objs,$(EBPF_OUT),$(EBPF_SRCS))

# -g: BTF for the maps (bpftool prints their values field by field);
# llvm-strip -g then drops the DWARF and keeps the BTF.
BPF_CFLAGS    := -g -O2 -target bpf -D__TARGET_ARCH_$(EBPF_ARCH) \
		 $(if $(EBPF_MULTIARCH),-idirafter /usr/include/$(EBPF_MULTIARCH)) \
		 -I$(EBPF_DIR) -Wall -Werror
EBPF_CFLAGS   := $(COMMON_CFLAGS) -I$(EBPF_DIR) -I$(EBPF_OUT) \
		 $(shell pkg-config --cflags libbpf 2>/dev/null)
EBPF_LIBS     := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf)
EBPF_STATIC_LIBS := $(shell pkg-config --libs --static libbpf 2>/dev/null || \
		    echo -lbpf -lelf -lz)

# Kept: make would delete them as intermediates and rebuild them each time.
.SECONDARY: $(patsubst %,$(EBPF_OUT)/bpf/%.bpf.o,$(EBPF_TOOLS))

$(EBPF_OUT)/bpf/%.bpf.o: $(EBPF_DIR)/%.bpf.c
	@mkdir -p $(@D)
	$(call say,BPF)$(BPF_CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c -o $@ $< && \
		$(BPF_STRIP) -g $@
DEPFILES += $(EBPF_OUT)/bpf/*.d

$(EBPF_OUT)/%.skel.h: $(EBPF_OUT)/bpf/%.bpf.o
	$(call say,GENSKEL)$(BPFTOOL) gen skeleton $< name $*_bpf >$@.tmp && \
		mv $@.tmp $@

# A loader includes its skeleton: generated before any loader compiles.
$(EBPF_OBJS): | $(EBPF_SKELS)
$(foreach t,$(EBPF_TOOLS),$(eval $(EBPF_OUT)/$(t).o: $(EBPF_OUT)/$(t).skel.h))

$(eval $(call compile,$(EBPF_OUT),$(EBPF_DIR),EBPF_CFLAGS))

$(BUILD)/kvtier-trace: $(EBPF_OBJS)
	$(call cmd_link,$(EBPF_CFLAGS),$(EBPF_OBJS) $(EBPF_LIBS))

$(BUILD)/static/kvtier-trace: $(EBPF_OBJS)
	$(call cmd_link,$(EBPF_CFLAGS) -static,$(EBPF_OBJS) $(EBPF_STATIC_LIBS))

USERSPACE += $(BUILD)/kvtier-trace $(BUILD)/static/kvtier-trace

# The layout check alone (no libbpf), for the host unit tests.
EBPF_UNIT_LIB := $(BUILD)/libkvtebpf.a
$(EBPF_UNIT_LIB): $(EBPF_OUT)/tp_layout.o
	$(cmd_ar)
UNIT_LIBS   += $(EBPF_UNIT_LIB)
UNIT_CFLAGS += -I$(EBPF_DIR)
