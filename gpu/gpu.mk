# SPDX-License-Identifier: GPL-2.0
#
# The GPU kernels (gpu/*.cu, each with a C reference beside it) as
# $(BUILD)/libkvtgpu.a, and the GPU tests (tests/gpu) as
# $(BUILD)/tests/gpu/t_*. Built when nvcc is found ($(CUDA_HOME)/bin/nvcc
# or on PATH); without it, no kernel or GPU test is built and `make gpu-check`
# says so. `make gpu-check` runs the tests: each exits 77 (skip) where
# there is no GPU. The C references are plain C: the host unit tests
# (tests/unit/test_gpu_*.c) link them whether or not nvcc is found.
#
# Needs daemon/daemon.mk included first (the CUDA device tier's test links
# the daemon's objects).

CUDA_HOME ?= /usr/local/cuda
NVCC      ?= $(firstword $(wildcard $(CUDA_HOME)/bin/nvcc) \
			 $(shell command -v nvcc 2>/dev/null))
# SASS for the H100 (sm_90), and PTX of sm_80 that the driver compiles for
# any GPU from the A100 on, newer ones included.
NVCC_ARCH   ?= -gencode arch=compute_90,code=sm_90 \
	       -gencode arch=compute_80,code=compute_80
NVCC_FLAGS  := -O2 -g -std=c++17 $(NVCC_ARCH) -Igpu \
	       -Xcompiler -Wall,-Wextra,-Werror

GPU_DIR     := gpu
GPU_LIB     := $(BUILD)/libkvtgpu.a
GPU_TESTS_DIR := $(BUILD)/tests/gpu
GPU_TESTS   :=
# Every gpu/*.c is a plain C reference; every gpu/*.cu a kernel.
GPU_C_SRCS  := $(wildcard $(GPU_DIR)/*.c)
GPU_C_OBJS  := $(call objs,$(BUILD)/$(GPU_DIR),$(GPU_C_SRCS))

GPU_CC_FLAGS = $(COMMON_CFLAGS) -I$(GPU_DIR)
$(eval $(call compile,$(BUILD)/$(GPU_DIR),$(GPU_DIR),GPU_CC_FLAGS))

UNIT_LIBS   += $(GPU_C_OBJS)
UNIT_CFLAGS += -I$(GPU_DIR)

ifneq ($(NVCC),)
GPU_CU_SRCS := $(wildcard $(GPU_DIR)/*.cu)
GPU_OBJS    := $(call objs,$(BUILD)/$(GPU_DIR),$(GPU_CU_SRCS)) $(GPU_C_OBJS)
GPU_TESTS   += $(GPU_TESTS_DIR)/t_copy

$(eval $(call compile-cuda,$(BUILD)/$(GPU_DIR),$(GPU_DIR),NVCC_FLAGS))
$(eval $(call compile-cuda,$(GPU_TESTS_DIR),tests/gpu,NVCC_FLAGS))

$(GPU_LIB): $(GPU_OBJS)
	$(cmd_ar)

# The CUDA runtime is linked statically (nvcc's default): it finds the
# driver at run time, and the test can say "no GPU" and skip.
$(GPU_TESTS_DIR)/t_copy: $(GPU_TESTS_DIR)/t_copy.o $(GPU_LIB)
	$(call cmd_nvlink,$(NVCC_FLAGS),$^)

USERSPACE += $(GPU_LIB) $(GPU_TESTS)
endif

# The CUDA device tier's test: plain C, dlopens libcuda.so.1 as the tier
# does; built wherever the tier is.
ifneq ($(CUDA_H),)
GPU_TESTS += $(GPU_TESTS_DIR)/t_tier_cuda
GPU_TIER_TEST_INPUTS := $(GPU_TESTS_DIR)/t_tier_cuda.o \
	$(BUILD)/$(DAEMON_TIER_DIR)/tier_device_cuda.o \
	$(BUILD)/$(DAEMON_TIER_DIR)/tier_host.o $(DAEMON_LIB) $(KVTIER_LIB_A)

$(eval $(call compile,$(GPU_TESTS_DIR),tests/gpu,DAEMON_DEV_CC_FLAGS))

$(GPU_TESTS_DIR)/t_tier_cuda: $(GPU_TIER_TEST_INPUTS)
	$(call cmd_link,$(DAEMON_DEV_CC_FLAGS),$(GPU_TIER_TEST_INPUTS) \
		$(DRM_LIBS) -ldl -lpthread)

USERSPACE += $(GPU_TESTS_DIR)/t_tier_cuda
endif

.PHONY: gpu
gpu: $(GPU_TESTS)
