package registry

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/city"
	"github.com/motcua/motcua/store"
)

// The branch commands (`motcua registry branch add|list|reset-password|
// revoke`) write the registry's database directly, in a transaction of their
// own; a running registry reads the change at its next sync.

// AddBranch adds a branch and returns its password, shown once. The unit
// code must be a valid dossier unit code that no other branch has: it is
// what keeps dossier codes unique city-wide while halls are offline.
func AddBranch(ctx context.Context, st *store.Store, now time.Time, code, name, unitCode string) (string, error) {
	code, name, unitCode = strings.TrimSpace(code), strings.TrimSpace(name), strings.TrimSpace(unitCode)
	fields := map[string]string{}
	if !city.ValidBranchCode(code) {
		fields["code"] = "Mã chi nhánh chỉ gồm chữ, số, - và _ (tối đa 32). / The branch code takes letters, digits, - and _ (up to 32)."
	}
	if name == "" {
		fields["name"] = "Cần tên chi nhánh. / The branch needs a name."
	}
	if !motcua.ValidUnitCode(unitCode) {
		fields["unit_code"] = "Mã đơn vị phải có dạng V1V2V3.Z1Z2.Y1Y2.MX1X2, ví dụ 000.00.01.H26. / The unit code must look like 000.00.01.H26."
	}
	if len(fields) > 0 {
		return "", &motcua.Error{Code: motcua.EValidation, Message: "Thông tin chi nhánh chưa đúng. / The branch is not valid.", Fields: fields}
	}
	plain, hash, err := NewPassword()
	if err != nil {
		return "", err
	}
	err = inTx(ctx, st, func(tx *store.Tx) error {
		return tx.City().AddBranch(store.CityBranchRow{Code: code, Name: name, UnitCode: unitCode, PasswordHash: hash, CreatedAt: now})
	})
	return plain, err
}

// ResetPassword gives a branch a new password (shown once) and lifts a
// revocation; the old password stops working at the registry's next sync.
func ResetPassword(ctx context.Context, st *store.Store, code string) (string, error) {
	plain, hash, err := NewPassword()
	if err != nil {
		return "", err
	}
	return plain, inTx(ctx, st, func(tx *store.Tx) error { return tx.City().SetBranchPassword(code, hash) })
}

// RevokeBranch refuses a branch's credential: at the registry's next sync
// its hall is disconnected and cannot join again until a reset-password.
// What the branch already sent stays.
func RevokeBranch(ctx context.Context, st *store.Store, code string, now time.Time) error {
	return inTx(ctx, st, func(tx *store.Tx) error { return tx.City().RevokeBranch(code, now) })
}

func inTx(ctx context.Context, st *store.Store, fn func(tx *store.Tx) error) error {
	tx, err := st.BeginWrite(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}
