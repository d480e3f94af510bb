# SPDX-License-Identifier: GPL-2.0
#
# libkvtier: $(BUILD)/libkvtier.so.0 (versioned symbols, soname
# libkvtier.so.0, with a libkvtier.so link), $(BUILD)/libkvtier.a for the
# statically linked programs of the VM, and $(BUILD)/kvtier.pc.
# Also libkvtool.a, the helpers the tools share (JSON, option parsing).
#
# For users of the library:
#   KVTIER_CFLAGS   compile flags (with $(COMMON_CFLAGS))
#   KVTIER_LIB_SO   link dynamically: $(KVTIER_LIB_SO) $(DRM_LIBS)
#   KVTIER_LIB_A    link statically: $(KVTIER_LIB_A) $(DRM_STATIC_LIBS)
#   KVTOOL_LIB_A    the tools' helpers
#
# tests/unit/test_libkvtier.c is built into the unit runner by
# tests/unit/unit.mk; this file adds the libraries it needs to UNIT_LIBS.

KVTIER_DIR      := tools/lib/kvtier
KVTIER_VERSION  := 0.1.0
KVTIER_SONAME   := libkvtier.so.0
PREFIX          ?= /usr/local

KVTIER_CFLAGS   := -I$(KVTIER_DIR)
KVTIER_LIB_A    := $(BUILD)/libkvtier.a
KVTIER_LIB_SO   := $(BUILD)/$(KVTIER_SONAME)
KVTIER_PC       := $(BUILD)/kvtier.pc
KVTOOL_LIB_A    := $(BUILD)/libkvtool.a
DRM_STATIC_LIBS := $(shell pkg-config --libs --static libdrm 2>/dev/null)

# The tools' helpers are kvtool_*.c; every other source is the library.
KVTOOL_SRCS := $(wildcard $(KVTIER_DIR)/kvtool_*.c)
KVTIER_SRCS := $(filter-out $(KVTOOL_SRCS),$(wildcard $(KVTIER_DIR)/*.c))

KVTIER_OBJS := $(call objs,$(BUILD)/lib/kvtier,$(KVTIER_SRCS))
KVTOOL_OBJS := $(call objs,$(BUILD)/lib/kvtier,$(KVTOOL_SRCS))

# Archives only (they are prerequisites too); the runner's link line adds
# -ldrm and -lm after them.
UNIT_LIBS += $(KVTIER_LIB_A) $(KVTOOL_LIB_A)

# Position-independent objects serve both the shared and the static
# library (a static program links PIC code without complaint).
KVTIER_CC_FLAGS = $(COMMON_CFLAGS) $(KVTIER_CFLAGS) -fPIC
$(eval $(call compile,$(BUILD)/lib/kvtier,$(KVTIER_DIR),KVTIER_CC_FLAGS))

$(KVTIER_LIB_A): $(KVTIER_OBJS)
	$(cmd_ar)

$(KVTOOL_LIB_A): $(KVTOOL_OBJS)
	$(cmd_ar)

KVTIER_SO_LDFLAGS := -shared -Wl,-soname,$(KVTIER_SONAME) \
		     -Wl,--version-script,$(KVTIER_DIR)/kvtier.map -Wl,-z,defs
$(KVTIER_LIB_SO): $(KVTIER_OBJS) $(KVTIER_DIR)/kvtier.map
	$(call cmd_link,$(KVTIER_SO_LDFLAGS),$(KVTIER_OBJS) $(DRM_LIBS))
	@ln -sf $(KVTIER_SONAME) $(BUILD)/libkvtier.so

$(KVTIER_PC): $(KVTIER_DIR)/kvtier.pc.in $(KVTIER_DIR)/lib.mk
	@mkdir -p $(@D)
	$(call say,GEN)sed -e 's|@PREFIX@|$(PREFIX)|' \
		-e 's|@VERSION@|$(KVTIER_VERSION)|' $< > $@

USERSPACE += $(KVTIER_LIB_A) $(KVTIER_LIB_SO) $(KVTIER_PC) $(KVTOOL_LIB_A)
