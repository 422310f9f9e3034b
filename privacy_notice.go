package motcua

// The short notice on personal data (Law 91/2025/QH15 on personal data
// protection, Decree 356/2025/NĐ-CP) printed on the receipt and shown at the
// counter before a dossier is received: what is collected, why, for how
// long, and the citizen's rights. The kiosk page carries the same words for
// bookings (static/kiosk.html).
const (
	PrivacyNoticeTitle     = "Thông báo về xử lý dữ liệu cá nhân"
	PrivacyNoticeCollected = "Bộ phận Một cửa thu thập họ tên, số định danh cá nhân (hoặc giấy tờ tùy thân), số điện thoại, địa chỉ của người nộp và giấy tờ trong hồ sơ"
	PrivacyNoticePurpose   = "chỉ để tiếp nhận, giải quyết, trả kết quả hồ sơ và liên hệ với ông/bà về hồ sơ này"
	PrivacyNoticeRetention = "Dữ liệu được lưu trong thời hạn lưu trữ hồ sơ theo quy định rồi xóa; danh sách chỉ hiện số đã che, mỗi lần xem đều được ghi lại"
	PrivacyNoticeRights    = "Ông/bà có quyền được biết, xem, yêu cầu chỉnh sửa hoặc xóa dữ liệu của mình: đề nghị tại Bộ phận Một cửa, được trả lời trong 02 ngày làm việc"
)

// PrivacyNotice is the whole notice as one paragraph.
func PrivacyNotice() string {
	return PrivacyNoticeCollected + " " + PrivacyNoticePurpose + ". " + PrivacyNoticeRetention + ". " + PrivacyNoticeRights + "."
}
