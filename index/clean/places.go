package clean

// provinces are China's provinces, autonomous regions, municipalities and
// special administrative regions, as English texts spell them.
var provinces = []string{
	"Anhui", "Beijing", "Chongqing", "Fujian", "Gansu", "Guangdong", "Guangxi",
	"Guizhou", "Hainan", "Hebei", "Heilongjiang", "Henan", "Hubei", "Hunan",
	"Inner Mongolia", "Jiangsu", "Jiangxi", "Jilin", "Liaoning", "Ningxia",
	"Qinghai", "Shaanxi", "Shandong", "Shanghai", "Shanxi", "Sichuan",
	"Tianjin", "Tibet", "Xizang", "Xinjiang", "Yunnan", "Zhejiang",
	"Hong Kong", "Macao", "Macau", "Taiwan",
}

// cities are provincial capitals and other cities where foreign-affairs
// meetings are held, border ports included.
var cities = []string{
	"Kunming", "Hefei", "Changchun", "Harbin", "Shenyang", "Dalian", "Nanjing",
	"Suzhou", "Hangzhou", "Ningbo", "Wenzhou", "Fuzhou", "Xiamen", "Guangzhou",
	"Shenzhen", "Zhuhai", "Dongguan", "Foshan", "Shantou", "Nanning", "Guilin",
	"Beihai", "Fangchenggang", "Pingxiang", "Haikou", "Sanya", "Guiyang",
	"Chengdu", "Lhasa", "Xi'an", "Xi’an", "Lanzhou", "Xining", "Yinchuan",
	"Urumqi", "Hohhot", "Baotou", "Ordos", "Taiyuan", "Shijiazhuang", "Tangshan",
	"Baoding", "Zhengzhou", "Luoyang", "Kaifeng", "Wuhan", "Yichang",
	"Changsha", "Zhuzhou", "Nanchang", "Jinan", "Qingdao", "Yantai", "Weihai",
	"Wuhu", "Huangshan", "Lijiang", "Dali", "Jinghong", "Xishuangbanna", "Ruili",
	"Hekou", "Mohan", "Yanji", "Hunchun", "Tumen", "Dandong", "Manzhouli",
	"Erenhot", "Heihe", "Suifenhe", "Mudanjiang", "Daqing", "Qiqihar", "Wuxi",
	"Changzhou", "Xuzhou", "Yangzhou", "Lianyungang", "Shaoxing", "Jinhua",
	"Yiwu", "Zhoushan", "Quanzhou", "Kashgar", "Horgos", "Khorgos", "Yan'an",
	"Zunyi", "Mianyang", "Yibin", "Boao", "Tianjin", "Chongqing", "Shanghai",
	"Beijing",
}

// notPlaces are capitalised words that follow "held in" without naming a
// place.
var notPlaces = map[string]bool{
	"The": true, "A": true, "An": true, "This": true, "That": true, "Its": true,
	"Our": true, "His": true, "Her": true, "Their": true, "Accordance": true,
	"January": true, "February": true, "March": true, "April": true, "May": true,
	"June": true, "July": true, "August": true, "September": true, "October": true,
	"November": true, "December": true, "Monday": true, "Tuesday": true,
	"Wednesday": true, "Thursday": true, "Friday": true, "Saturday": true,
	"Sunday": true, "Hall": true, "Room": true, "Conference": true, "Great": true,
	"Party": true, "Provincial": true, "Central": true, "Committee": true,
	"Session": true, "Line": true, "Order": true, "Person": true, "Response": true,
	"Addition": true, "Honor": true, "Honour": true, "Memory": true, "China": true,
	"Chinese": true, "Video": true, "Online": true, "Beijing-time": true,
	"Spring": true, "Summer": true, "Autumn": true, "Winter": true, "Early": true,
	"Late": true, "Mid": true, "Xinhua": true, "CPC": true, "State": true,
}

// placeSuffixes are dropped from a place name: "Kunming City" → "Kunming".
var placeSuffixes = map[string]bool{
	"City": true, "Province": true, "Municipality": true, "Prefecture": true,
	"County": true, "Autonomous": true, "Region": true,
}
