# SPDX-License-Identifier: GPL-2.0
#
# The tools: kvtierctl, kvtier-bench and the demo client. Each is built
# twice: $(BUILD)/<tool>, linked against libkvtier.so.0 (found beside it
# through the rpath $ORIGIN), and $(BUILD)/static/<tool>, linked statically
# (libdrm included) for the virtual machine's initramfs.

TOOLS_CFLAGS      := $(COMMON_CFLAGS) $(KVTIER_CFLAGS)
TOOLS_RPATH       := -Wl,-rpath,'$$ORIGIN'
TOOLS_DYN_LIBS    := $(KVTOOL_LIB_A) $(KVTIER_LIB_SO) $(DRM_LIBS) -lm
TOOLS_STATIC_LIBS := $(KVTOOL_LIB_A) $(KVTIER_LIB_A) $(DRM_STATIC_LIBS) -lm
TOOLS_DEPS        := $(KVTIER_HDRS) $(KVTOOL_LIB_A)

# kvtier-bench's parts in tools/bench: --core over $(KVTCORE_LIB), --copy
# over the daemon's CPU device tier ($(DAEMON_LIB)), --disk over the disk
# tier ($(DISK_BENCH_LIB), $(DISK_LIB)). Those libraries are defined by
# fragments included after this one, hence the second expansion of the
# prerequisites ($$ below): at the point of reading they are still empty.
BENCH_DIR     := tools/bench
BENCH_SRCS    := $(BENCH_DIR)/bench_core.c $(BENCH_DIR)/bench_table.c \
		 $(BENCH_DIR)/bench_floor.c $(BENCH_DIR)/bench_copy.c
BENCH_HDRS    := $(wildcard $(BENCH_DIR)/*.h)
BENCH_CFLAGS   = -pthread -I$(BENCH_DIR) -Ikmod/core $(DAEMON_CFLAGS) \
		 $(DISK_CFLAGS)
BENCH_LIBS     = $(KVTCORE_LIB) $(DISK_BENCH_LIB) $(DAEMON_LIB) $(DISK_LIB) \
		 $(DISK_LDLIBS) -lpthread
BENCH_LIB_DEPS = $(KVTCORE_LIB) $(DISK_BENCH_LIB) $(DAEMON_LIB) $(DISK_LIB)

TOOLS := kvtierctl kvtier-bench kvtier-demo-client

$(BUILD)/kvtierctl: tools/kvtierctl.c $(TOOLS_DEPS) $(KVTIER_LIB_SO)
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) -o $@ $< $(TOOLS_DYN_LIBS) $(TOOLS_RPATH)

$(BUILD)/static/kvtierctl: tools/kvtierctl.c $(TOOLS_DEPS) $(KVTIER_LIB_A)
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) -static -o $@ $< $(TOOLS_STATIC_LIBS)

$(BUILD)/kvtier-demo-client: tools/kvtier-demo-client.c $(TOOLS_DEPS) $(KVTIER_LIB_SO)
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) -o $@ $< $(TOOLS_DYN_LIBS) $(TOOLS_RPATH)

$(BUILD)/static/kvtier-demo-client: tools/kvtier-demo-client.c $(TOOLS_DEPS) $(KVTIER_LIB_A)
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) -static -o $@ $< $(TOOLS_STATIC_LIBS)

.SECONDEXPANSION:
$(BUILD)/kvtier-bench: tools/kvtier-bench.c $(BENCH_SRCS) $(BENCH_HDRS) \
		$(TOOLS_DEPS) $(KVTIER_LIB_SO) $$(BENCH_LIB_DEPS) $$(DAEMON_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) $(BENCH_CFLAGS) -o $@ $< $(BENCH_SRCS) \
		$(BENCH_LIBS) $(TOOLS_DYN_LIBS) $(TOOLS_RPATH)

$(BUILD)/static/kvtier-bench: tools/kvtier-bench.c $(BENCH_SRCS) $(BENCH_HDRS) \
		$(TOOLS_DEPS) $(KVTIER_LIB_A) $$(BENCH_LIB_DEPS) $$(DAEMON_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) $(BENCH_CFLAGS) -static -o $@ $< $(BENCH_SRCS) \
		$(BENCH_LIBS) $(TOOLS_STATIC_LIBS)

USERSPACE += $(addprefix $(BUILD)/,$(TOOLS)) $(addprefix $(BUILD)/static/,$(TOOLS))
