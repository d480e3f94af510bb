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

# kvtier-bench's parts in tools/bench (all but bench_disk.c, which disk.mk
# builds, and core_ab.c, which scripts/core-ab.sh builds): --core over
# $(KVTCORE_LIB), --copy over the daemon's CPU device tier ($(DAEMON_LIB)),
# --disk over the disk tier ($(DISK_BENCH_LIB), $(DISK_LIB)). Those
# libraries are defined by fragments included after this one, hence the
# second expansion of the prerequisites ($$ below): at the point of reading
# they are still empty.
BENCH_DIR     := tools/bench
BENCH_SRCS    := $(filter-out $(BENCH_DIR)/bench_disk.c $(BENCH_DIR)/core_ab.c, \
		   $(wildcard $(BENCH_DIR)/*.c))
BENCH_OBJS    := $(BUILD)/tools/kvtier-bench.o \
		 $(call objs,$(BUILD)/$(BENCH_DIR),$(BENCH_SRCS))
BENCH_CFLAGS   = -pthread -I$(BENCH_DIR) -Ikmod/core $(DAEMON_CFLAGS) \
		 $(DISK_CFLAGS)
BENCH_LIBS     = $(KVTCORE_LIB) $(DISK_BENCH_LIB) $(DAEMON_LIB) $(DISK_LIB) \
		 $(POLICY_LIB) $(DISK_LDLIBS) -lpthread
BENCH_LIB_DEPS = $(KVTCORE_LIB) $(DISK_BENCH_LIB) $(DAEMON_LIB) $(DISK_LIB) \
		 $(POLICY_LIB)

TOOLS := kvtierctl kvtier-bench kvtier-demo-client
# The tools other than kvtier-bench: one source each.
TOOLS_SIMPLE := kvtierctl kvtier-demo-client

TOOLS_CC_FLAGS = $(TOOLS_CFLAGS)
BENCH_CC_FLAGS = $(TOOLS_CFLAGS) $(BENCH_CFLAGS)
$(eval $(call compile,$(BUILD)/tools,tools,TOOLS_CC_FLAGS))
$(eval $(call compile,$(BUILD)/$(BENCH_DIR),$(BENCH_DIR),BENCH_CC_FLAGS))
$(eval $(call compile-one,$(BUILD)/tools/kvtier-bench.o,tools/kvtier-bench.c,BENCH_CC_FLAGS))

$(addprefix $(BUILD)/,$(TOOLS_SIMPLE)): $(BUILD)/%: $(BUILD)/tools/%.o \
		$(KVTOOL_LIB_A) $(KVTIER_LIB_SO)
	$(call cmd_link,$(TOOLS_CFLAGS),$< $(TOOLS_DYN_LIBS) $(TOOLS_RPATH))

$(addprefix $(BUILD)/static/,$(TOOLS_SIMPLE)): $(BUILD)/static/%: \
		$(BUILD)/tools/%.o $(KVTOOL_LIB_A) $(KVTIER_LIB_A)
	$(call cmd_link,$(TOOLS_CFLAGS) -static,$< $(TOOLS_STATIC_LIBS))

.SECONDEXPANSION:
$(BUILD)/kvtier-bench: $(BENCH_OBJS) $(KVTOOL_LIB_A) $(KVTIER_LIB_SO) \
		$$(BENCH_LIB_DEPS)
	$(call cmd_link,$(BENCH_CC_FLAGS),$(BENCH_OBJS) $(BENCH_LIBS) \
		$(TOOLS_DYN_LIBS) $(TOOLS_RPATH))

$(BUILD)/static/kvtier-bench: $(BENCH_OBJS) $(KVTOOL_LIB_A) $(KVTIER_LIB_A) \
		$$(BENCH_LIB_DEPS)
	$(call cmd_link,$(BENCH_CC_FLAGS) -static,$(BENCH_OBJS) $(BENCH_LIBS) \
		$(TOOLS_STATIC_LIBS))

USERSPACE += $(addprefix $(BUILD)/,$(TOOLS)) $(addprefix $(BUILD)/static/,$(TOOLS))
