# SPDX-License-Identifier: GPL-2.0
#
# kvtierd, the manager daemon: $(BUILD)/kvtierd (libkvtier, the disk tier
# and the policies linked in; libdrm, liburing and libc shared) and
# $(BUILD)/static/kvtierd (fully static, for the VM's initramfs).
# Its pure parts (configuration, planners, work mapping, the CPU device
# tier) are also $(BUILD)/libkvtd.a, which the unit tests link; the rest
# (the manager, the executor, the loop; the device tier without CUDA) is
# $(BUILD)/libkvtdmgr.a, so that the unit tests drive the executor
# (exec.c) through libkvtier's ioctl hook.
#
# Needs tools/lib/kvtier/lib.mk, daemon/policy/policy.mk and
# daemon/disk/disk.mk included first, and tests/unit/unit.mk after.
#
# daemon/*.c is the manager and what it carries out; daemon/tier/*.c the
# tier backends (host, device CPU and CUDA, copier, staging), one ops
# table each. The planners are in daemon/policy/ (policy.mk).
#
# The CUDA device tier (tier/tier_device_cuda.c) is built in when CUDA's
# headers are found ($(CUDA_HOME)/include/cuda.h). It links no CUDA
# library: libcuda.so.1 is loaded at run time, so the same kvtierd runs
# with the CPU device tier on a host without a GPU driver. The static
# kvtierd (for the VM, where there is no GPU) is always built without it:
# dlopen does not work from a static binary. `make CUDA_HOME=/nonexistent`
# builds the daemon as on a machine without CUDA.

DAEMON_DIR    := daemon
DAEMON_TIER_DIR := $(DAEMON_DIR)/tier
DAEMON_CFLAGS := -I$(DAEMON_DIR) -I$(DAEMON_TIER_DIR) $(DISK_CFLAGS) $(POLICY_CFLAGS) \
		 $(KVTIER_CFLAGS) -pthread
# The manager: needs the driver.
DAEMON_SRCS   := manager.c tier/tier_host.c reconcile.c exec.c pressure.c \
		 loop.c kvtierd.c
# The choice of device tier; the CUDA one where CUDA's headers are.
DAEMON_DEV_SRCS := tier/tier_device.c
CUDA_HOME     ?= /usr/local/cuda
CUDA_H        := $(wildcard $(CUDA_HOME)/include/cuda.h)
ifneq ($(CUDA_H),)
DAEMON_DEV_SRCS += tier/tier_device_cuda.c
DAEMON_CUDA_CFLAGS := -DKVTD_HAVE_CUDA -isystem $(CUDA_HOME)/include
DAEMON_CUDA_LIBS   := -ldl
endif
DAEMON_SRCS   := $(addprefix $(DAEMON_DIR)/,$(DAEMON_SRCS))
DAEMON_DEV_SRCS := $(addprefix $(DAEMON_DIR)/,$(DAEMON_DEV_SRCS))
# Every other daemon/*.c and daemon/tier/*.c: pure code and what needs no
# driver, unit-tested.
DAEMON_LIB_SRCS := $(filter-out $(DAEMON_SRCS) $(DAEMON_TIER_DIR)/tier_device.c \
		     $(DAEMON_TIER_DIR)/tier_device_cuda.c, \
		     $(wildcard $(DAEMON_DIR)/*.c $(DAEMON_TIER_DIR)/*.c))
# Objects keep their source's folder under $(BUILD).
daemon_objs = $(patsubst %.c,$(BUILD)/%.o,$(1))
DAEMON_LIB    := $(BUILD)/libkvtd.a
DAEMON_LIB_OBJS := $(call daemon_objs,$(DAEMON_LIB_SRCS))
DAEMON_MGR_LIB  := $(BUILD)/libkvtdmgr.a
DAEMON_OBJS   := $(call daemon_objs,$(DAEMON_SRCS))
DAEMON_DEV_OBJS := $(call daemon_objs,$(DAEMON_DEV_SRCS))
# The static daemon's choice, compiled without CUDA.
DAEMON_DEV_STATIC_OBJ := $(BUILD)/static/$(DAEMON_TIER_DIR)/tier_device.o
DAEMON_ARCHIVES := $(DAEMON_LIB) $(DISK_LIB) $(POLICY_LIB) $(KVTIER_LIB_A)
URING_LIBS    := $(shell pkg-config --libs liburing 2>/dev/null || echo -luring)
DAEMON_STATIC_LIBS := $(shell pkg-config --libs --static libdrm liburing 2>/dev/null)

DAEMON_CC_FLAGS = $(COMMON_CFLAGS) $(DAEMON_CFLAGS)
DAEMON_DEV_CC_FLAGS = $(DAEMON_CC_FLAGS) $(DAEMON_CUDA_CFLAGS)
$(eval $(call compile,$(BUILD)/$(DAEMON_DIR),$(DAEMON_DIR),DAEMON_CC_FLAGS))
$(eval $(call compile,$(BUILD)/$(DAEMON_TIER_DIR),$(DAEMON_TIER_DIR),DAEMON_CC_FLAGS))
$(foreach f,$(DAEMON_DEV_SRCS),$(eval $(call compile-one,$(BUILD)/$(f:.c=.o),$(f),DAEMON_DEV_CC_FLAGS)))
$(eval $(call compile-one,$(DAEMON_DEV_STATIC_OBJ),$(DAEMON_TIER_DIR)/tier_device.c,DAEMON_CC_FLAGS))

$(DAEMON_LIB): $(DAEMON_LIB_OBJS)
	$(cmd_ar)

# kvtierd.c's main() stays out: the test runner has its own.
$(DAEMON_MGR_LIB): $(filter-out %/kvtierd.o,$(DAEMON_OBJS)) \
		$(DAEMON_DEV_STATIC_OBJ)
	$(cmd_ar)

DAEMON_INPUTS := $(DAEMON_OBJS) $(DAEMON_DEV_OBJS) $(DAEMON_ARCHIVES)
DAEMON_STATIC_INPUTS := $(DAEMON_OBJS) $(DAEMON_DEV_STATIC_OBJ) \
			$(DAEMON_ARCHIVES)

$(BUILD)/kvtierd: $(DAEMON_INPUTS)
	$(call cmd_link,$(COMMON_CFLAGS) -pthread,$(DAEMON_INPUTS) \
		$(DRM_LIBS) $(URING_LIBS) $(DAEMON_CUDA_LIBS) -lpthread)

$(BUILD)/static/kvtierd: $(DAEMON_STATIC_INPUTS)
	$(call cmd_link,$(COMMON_CFLAGS) -pthread -static, \
		$(DAEMON_STATIC_INPUTS) $(DAEMON_STATIC_LIBS) -lpthread)

# The unit tests' suites for the daemon (tests/unit/test_daemon_*.c);
# what the manager's archive needs after it, whatever the order of the
# fragments.
UNIT_LIBS   += $(DAEMON_MGR_LIB) $(DAEMON_LIB) $(POLICY_LIB) $(DISK_LIB) \
	       $(KVTIER_LIB_A)
UNIT_CFLAGS += $(DAEMON_CFLAGS)

USERSPACE += $(DAEMON_LIB) $(DAEMON_MGR_LIB) $(BUILD)/kvtierd $(BUILD)/static/kvtierd
