package storetest

// The control panel's tables (migration 00006_web), kept in a file of their
// own so that features add tables without editing one shared line.
func init() {
	Tables = append(Tables, "web_sessions", "password_resets", "reviews", "messages", "message_reads")
}
