// A small streaming JSON writer for reports: objects, arrays, strings with full escaping, and
// finite numbers (non-finite ones become null). One thread.
#pragma once

#include <string>
#include <vector>

namespace inv {

class JsonWriter
{
public:
    JsonWriter &beginObject();
    JsonWriter &endObject();
    JsonWriter &beginArray();
    JsonWriter &endArray();
    JsonWriter &key(const std::string &name);
    JsonWriter &value(const std::string &text);
    JsonWriter &value(const char *text) { return value(std::string(text)); }
    JsonWriter &value(double number);
    JsonWriter &value(long long number);
    JsonWriter &value(int number) { return value(static_cast<long long>(number)); }
    JsonWriter &value(bool flag);
    JsonWriter &null();
    const std::string &text() const { return m_out; }

private:
    void separate();
    void close(char bracket);
    void indent();
    std::string m_out;
    // Per open container: has it a member yet?
    std::vector<bool> m_hasMember;
    bool m_afterKey = false;
};

} // namespace inv
