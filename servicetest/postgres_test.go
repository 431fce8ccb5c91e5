package servicetest

import (
	"context"
	"testing"
	"time"
)

func TestPostgresAndReplica(t *testing.T) {
	pg := StartPostgres(t)
	conn := pg.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "CREATE TABLE t (x int)"); err != nil {
		t.Fatal(err)
	}
	replica := pg.StartReplica(t)
	var inRecovery bool
	if err := replica.Connect(t).QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&inRecovery); err != nil || !inRecovery {
		t.Fatalf("replica in recovery = %v, %v", inRecovery, err)
	}
	pg.Stop(t)
}
