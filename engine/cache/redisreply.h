// A hiredis reply owned through RAII: freeReplyObject runs when it goes out of scope. Move-only;
// read it on the thread that received it.
#pragma once

#include <hiredis/hiredis.h>

#include <memory>
#include <string>

namespace inv {

class RedisReply
{
public:
    RedisReply() = default;
    explicit RedisReply(redisReply *reply) : m_reply(reply) {}

    const redisReply *get() const { return m_reply.get(); }
    const redisReply *operator->() const { return m_reply.get(); }
    bool isNil() const { return !m_reply || m_reply->type == REDIS_REPLY_NIL; }
    bool isError() const { return m_reply && m_reply->type == REDIS_REPLY_ERROR; }
    bool isString() const { return m_reply && m_reply->type == REDIS_REPLY_STRING; }
    bool isInteger() const { return m_reply && m_reply->type == REDIS_REPLY_INTEGER; }
    bool isStatus(const char *status) const
    {
        return m_reply && m_reply->type == REDIS_REPLY_STATUS &&
               std::string(m_reply->str, m_reply->len) == status;
    }
    std::string str() const
    {
        return m_reply && m_reply->str ? std::string(m_reply->str, m_reply->len) : std::string();
    }
    long long integer() const { return m_reply ? m_reply->integer : 0; }

private:
    struct Deleter
    {
        void operator()(redisReply *r) const { freeReplyObject(r); }
    };
    std::unique_ptr<redisReply, Deleter> m_reply;
};

} // namespace inv
