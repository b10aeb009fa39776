module sovra

go 1.26
