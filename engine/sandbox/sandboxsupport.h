// Small building blocks that the sandbox's server classes share: progress reporting, polling with a
// deadline, PATH lookup, and the few file operations whose failures must explain themselves to the
// user. Internal to the sandbox; free functions without state, safe to call from any thread.
#pragma once

#include "sandbox/sandbox.h"

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

namespace inv::sandbox {

using Clock = std::chrono::steady_clock;

void report(const Sandbox::Progress &progress, const std::string &message);

// Polls rather than waits on an event because the servers are separate processes we cannot signal.
template <typename Predicate> bool waitUntil(std::chrono::milliseconds timeout, Predicate predicate)
{
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (predicate())
            return true;
        if (Clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

std::string errnoText(int error);
std::string trimmed(const std::string &text);
// An empty string when the program is not on PATH.
std::string findOnPath(const std::string &program);
bool pathExists(const std::filesystem::path &path);

// Created with mode 0600 even if it existed before, because the sandbox's files hold a password.
void writePrivateFile(const std::filesystem::path &path, const std::string &contents);
void removeFile(const std::filesystem::path &path);

// Throws SandboxError if the directory cannot be handed safely to the PostgreSQL server.
void checkSandboxDir(const std::filesystem::path &dir);
void createSandboxDir(const std::filesystem::path &dir, const Sandbox::Progress &progress);

} // namespace inv::sandbox
