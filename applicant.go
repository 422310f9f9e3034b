package motcua

// Applicant is the person who files a dossier. It is personal data: mask
// IDNumber and Phone in lists (MaskDigits), never log it, never publish it.
type Applicant struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
	Address  string `json:"address"`
	Email    string `json:"email"`
}

// Masked returns the applicant as lists show it: the last digits of the ID
// number and phone only, no address or email.
func (a Applicant) Masked() Applicant {
	return Applicant{Name: a.Name, IDNumber: MaskDigits(a.IDNumber, 4), Phone: MaskDigits(a.Phone, 3)}
}
