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

# kvtier-bench --core runs the core engineer's host benchmark
# (tools/bench/bench_core.c, over $(KVTCORE_LIB)); it is built in once both
# bench_core.c and bench_core.h exist.
BENCH_DIR      := tools/bench
BENCH_CORE_ON  := $(and $(wildcard $(BENCH_DIR)/bench_core.h),$(wildcard $(BENCH_DIR)/bench_core.c))
BENCH_CORE_SRC := $(if $(BENCH_CORE_ON),$(BENCH_DIR)/bench_core.c)
BENCH_CORE_DEP := $(if $(BENCH_CORE_ON),$(BENCH_CORE_SRC) $(BENCH_DIR)/bench_core.h $(KVTCORE_LIB))
BENCH_CFLAGS   := -pthread $(if $(BENCH_CORE_ON),-DKVTIER_BENCH_CORE -I$(BENCH_DIR) -Ikmod/core)
BENCH_LIBS     := $(if $(BENCH_CORE_ON),$(KVTCORE_LIB)) -lpthread

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

$(BUILD)/kvtier-bench: tools/kvtier-bench.c $(TOOLS_DEPS) $(KVTIER_LIB_SO) $(BENCH_CORE_DEP)
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) $(BENCH_CFLAGS) -o $@ $< $(BENCH_CORE_SRC) \
		$(BENCH_LIBS) $(TOOLS_DYN_LIBS) $(TOOLS_RPATH)

$(BUILD)/static/kvtier-bench: tools/kvtier-bench.c $(TOOLS_DEPS) $(KVTIER_LIB_A) $(BENCH_CORE_DEP)
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) $(BENCH_CFLAGS) -static -o $@ $< $(BENCH_CORE_SRC) \
		$(BENCH_LIBS) $(TOOLS_STATIC_LIBS)

USERSPACE += $(addprefix $(BUILD)/,$(TOOLS)) $(addprefix $(BUILD)/static/,$(TOOLS))
