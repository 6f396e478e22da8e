package warehouse

import "github.com/microservice-patterns/lab/shared/domain"

func seedProduct(n int, code, name, desc string, stock int, price int64) domain.Product {
	return domain.Product{ProductID: "22222222-2222-4222-8222-0000000000" + twoDigits(n), Code: code, Name: name,
		Description: desc, Stock: stock, Price: price, Currency: domain.Currency}
}

func twoDigits(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }

// LimitedProductID is the seed product with a stock of 5, so that a rejection is easy to show.
const LimitedProductID = "22222222-2222-4222-8222-000000000013"

// Seed holds the products every fresh database starts with; ids and codes are fixed.
var Seed = []domain.Product{
	seedProduct(1, "KB-01", "Mechanical keyboard", "Tenkeyless, brown switches", 120, 8900),
	seedProduct(2, "MS-02", "Wireless mouse", "Ergonomic, rechargeable", 200, 3900),
	seedProduct(3, "MN-03", "27-inch monitor", "2560×1440, IPS", 100, 32900),
	seedProduct(4, "HD-04", "Noise-cancelling headphones", "Over-ear, 30 h battery", 150, 19900),
	seedProduct(5, "CB-05", "USB-C cable", "2 m, 100 W", 500, 1290),
	seedProduct(6, "DK-06", "Docking station", "Two displays, Ethernet, 96 W", 100, 14900),
	seedProduct(7, "WC-07", "Webcam", "1080p, privacy shutter", 180, 6900),
	seedProduct(8, "MC-08", "USB microphone", "Cardioid, with stand", 110, 9900),
	seedProduct(9, "LS-09", "Laptop stand", "Aluminium, adjustable", 140, 4500),
	seedProduct(10, "SS-10", "Portable SSD", "1 TB, USB 3.2", 160, 11900),
	seedProduct(11, "CH-11", "Office chair", "Mesh back, lumbar support", 100, 27900),
	seedProduct(12, "DM-12", "Desk mat", "90 × 40 cm, felt", 300, 2500),
	seedProduct(13, "LT-13", "Limited desk lamp", "Numbered edition: only five made", 5, 15900),
}
